/**
 * A real control plane as local processes, from the binaries hack/kube-testenv.sh builds (etcd and
 * kube-apiserver through kube-api-test, then controller-manager, scheduler, kwok fake nodes). Used by
 * {@code meshctl demo} and the end-to-end tests only: the operator's jar and image leave this
 * package and kube-api-test out.
 */
package dev.meshoperator.localcluster;
