// refserver: the reference row of bench/webhook-load.sh (REFERENCE=go). A plain Go net/http HTTPS
// server, as Go webhooks (Istio's injector among them) serve: crypto/tls, HTTP/1.1 keep-alive, a
// goroutine per connection, every connection accepted and handshaken at once. It decodes each
// AdmissionReview and answers it allowed with a fixed JSONPatch as long as ours for the typical pod,
// so the bytes on the wire match; it injects nothing. What it shows is what the same client and
// machine do to a server without our bounds: the positive control for the open-loop rows.
//
//	refserver DIR PATCH_BYTES
//
// writes DIR/ca.pem (its own CA, EC P-256, as our webhook's), DIR/tls and DIR/port (last: the
// signal that it listens), then serves https://127.0.0.1:PORT/inject until killed.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: refserver DIR PATCH_BYTES")
		os.Exit(2)
	}
	dir := os.Args[1]
	patchBytes, err := strconv.Atoi(os.Args[2])
	if err != nil || patchBytes < 2 {
		fmt.Fprintln(os.Stderr, "refserver: PATCH_BYTES must be a number of at least 2")
		os.Exit(2)
	}
	cert, caPEM := identity()
	must(os.WriteFile(filepath.Join(dir, "ca.pem"), caPEM, 0o644))
	must(os.WriteFile(filepath.Join(dir, "tls"), []byte("Go crypto/tls "+strings.TrimPrefix(runtime.Version(), "go")+"\n"), 0o644))

	// A JSON array of that many bytes (spaces inside), base64 as the review's patch field carries it.
	patch := base64.StdEncoding.EncodeToString([]byte("[" + strings.Repeat(" ", patchBytes-2) + "]"))
	http.HandleFunc("/inject", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var review struct {
			Request struct {
				UID    string          `json:"uid"`
				Object json.RawMessage `json:"object"`
			} `json:"request"`
		}
		if err := json.Unmarshal(body, &review); err != nil || review.Request.UID == "" {
			http.Error(w, "not an AdmissionReview", http.StatusBadRequest)
			return
		}
		var pod map[string]any
		if err := json.Unmarshal(review.Request.Object, &pod); err != nil {
			http.Error(w, "no pod in the review", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":%q,"allowed":true,"patchType":"JSONPatch","patch":%q}}`,
			review.Request.UID, patch)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(err)
	port := ln.Addr().(*net.TCPAddr).Port
	tmp := filepath.Join(dir, "port.tmp")
	must(os.WriteFile(tmp, []byte(strconv.Itoa(port)+"\n"), 0o644))
	must(os.Rename(tmp, filepath.Join(dir, "port")))
	srv := &http.Server{TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"}}, ReadHeaderTimeout: 10 * time.Second}
	must(srv.ServeTLS(ln, "", ""))
}

// identity: a CA and a serving certificate for 127.0.0.1 signed by it, both EC P-256.
func identity() (tls.Certificate, []byte) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "refserver CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	must(err)
	ca, err := x509.ParseCertificate(caDER)
	must(err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	must(err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "refserver:", err)
		os.Exit(1)
	}
}
