package dev.meshoperator.render;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Grafana addon's dashboards, ours: the mesh at a glance, one service, one workload, and the
 * control plane. Queries use Istio's standard metrics as the proxies report them
 * ({@code istio_requests_total}, {@code istio_request_duration_milliseconds},
 * {@code istio_tcp_*_bytes_total}) and istiod's {@code pilot_*}, with the labels the Prometheus
 * addon's scrape configuration attaches ({@code app} from the pod's label, {@code namespace},
 * {@code pod}). Built as maps and written by Jackson: ordered, deterministic, no JSON by hand.
 */
public final class GrafanaDashboards {
  /** The data source uid that the Grafana addon provisions and every panel names. */
  public static final String DATASOURCE_UID = "prometheus";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private record Panel(String title, String unit, List<Query> queries) {}

  private record Query(String expr, String legend) {}

  private GrafanaDashboards() {}

  /** File name (ending .json) to dashboard JSON, in a fixed order. */
  public static Map<String, String> all() {
    Map<String, String> files = new LinkedHashMap<>();
    files.put("mesh.json", write(mesh()));
    files.put("service.json", write(service()));
    files.put("workload.json", write(workload()));
    files.put("control-plane.json", write(controlPlane()));
    return files;
  }

  private static Map<String, Object> mesh() {
    String requests = "istio_requests_total{reporter=\"source\"}";
    return dashboard("mesh-operator-mesh", "Mesh", List.of(), List.of(
        new Panel("Global request volume", "reqps", List.of(
            new Query("round(sum(rate(" + requests + "[$__rate_interval])), 0.001)", "requests/s"))),
        new Panel("Global success rate (non-5xx)", "percentunit", List.of(
            new Query("sum(rate(istio_requests_total{reporter=\"source\",response_code!~\"5..\"}[$__rate_interval]))"
                + " / sum(rate(" + requests + "[$__rate_interval]))", "success"))),
        new Panel("4xx and 5xx per second", "reqps", List.of(
            new Query("sum(rate(istio_requests_total{reporter=\"source\",response_code=~\"4..\"}[$__rate_interval]))", "4xx"),
            new Query("sum(rate(istio_requests_total{reporter=\"source\",response_code=~\"5..\"}[$__rate_interval]))", "5xx"))),
        new Panel("Requests by destination service", "reqps", List.of(
            new Query("sum by (destination_service) (rate(" + requests + "[$__rate_interval]))", "{{destination_service}}"))),
        new Panel("P99 latency by destination service", "ms", List.of(
            new Query("histogram_quantile(0.99, sum by (le, destination_service) "
                + "(rate(istio_request_duration_milliseconds_bucket{reporter=\"source\"}[$__rate_interval])))", "{{destination_service}}"))),
        new Panel("TCP bytes sent by destination service", "Bps", List.of(
            new Query("sum by (destination_service) (rate(istio_tcp_sent_bytes_total{reporter=\"source\"}[$__rate_interval]))",
                "{{destination_service}}")))));
  }

  private static Map<String, Object> service() {
    String to = "reporter=\"destination\",destination_service=~\"$service\"";
    return dashboard("mesh-operator-service", "Service", List.of(
        variable("service", "label_values(istio_requests_total, destination_service)")), List.of(
        new Panel("Incoming requests by response code", "reqps", List.of(
            new Query("sum by (response_code) (rate(istio_requests_total{" + to + "}[$__rate_interval]))", "{{response_code}}"))),
        new Panel("Incoming success rate (non-5xx)", "percentunit", List.of(
            new Query("sum(rate(istio_requests_total{" + to + ",response_code!~\"5..\"}[$__rate_interval]))"
                + " / sum(rate(istio_requests_total{" + to + "}[$__rate_interval]))", "success"))),
        new Panel("Request duration", "ms", List.of(
            quantile("0.50", to), quantile("0.90", to), quantile("0.99", to))),
        new Panel("Incoming requests by source workload", "reqps", List.of(
            new Query("sum by (source_workload, source_workload_namespace) (rate(istio_requests_total{" + to + "}[$__rate_interval]))",
                "{{source_workload}}.{{source_workload_namespace}}"))),
        new Panel("TCP bytes received and sent", "Bps", List.of(
            new Query("sum(rate(istio_tcp_received_bytes_total{" + to + "}[$__rate_interval]))", "received"),
            new Query("sum(rate(istio_tcp_sent_bytes_total{" + to + "}[$__rate_interval]))", "sent")))));
  }

  private static Map<String, Object> workload() {
    String in = "reporter=\"destination\",destination_workload_namespace=~\"$namespace\",destination_workload=~\"$workload\"";
    String out = "reporter=\"source\",source_workload_namespace=~\"$namespace\",source_workload=~\"$workload\"";
    return dashboard("mesh-operator-workload", "Workload", List.of(
        variable("namespace", "label_values(istio_requests_total, destination_workload_namespace)"),
        variable("workload", "label_values(istio_requests_total{destination_workload_namespace=~\"$namespace\"}, destination_workload)")),
        List.of(
            new Panel("Incoming requests by source", "reqps", List.of(
                new Query("sum by (source_workload) (rate(istio_requests_total{" + in + "}[$__rate_interval]))", "{{source_workload}}"))),
            new Panel("Outgoing requests by destination service", "reqps", List.of(
                new Query("sum by (destination_service) (rate(istio_requests_total{" + out + "}[$__rate_interval]))",
                    "{{destination_service}}"))),
            new Panel("Incoming success rate (non-5xx)", "percentunit", List.of(
                new Query("sum(rate(istio_requests_total{" + in + ",response_code!~\"5..\"}[$__rate_interval]))"
                    + " / sum(rate(istio_requests_total{" + in + "}[$__rate_interval]))", "success"))),
            new Panel("Incoming request duration", "ms", List.of(quantile("0.50", in), quantile("0.99", in))),
            new Panel("Proxy memory and CPU", "short", List.of(
                new Query("sum by (pod) (envoy_server_memory_allocated{namespace=~\"$namespace\",app=~\"$workload\"})", "{{pod}} bytes"),
                new Query("sum by (pod) (rate(envoy_server_total_connections{namespace=~\"$namespace\",app=~\"$workload\"}[$__rate_interval]))",
                    "{{pod}} connections/s")))));
  }

  private static Map<String, Object> controlPlane() {
    return dashboard("mesh-operator-control-plane", "Control plane", List.of(), List.of(
        new Panel("Connected proxies (xDS)", "short", List.of(
            new Query("sum by (pod) (pilot_xds{app=\"istiod\"})", "{{pod}}"))),
        new Panel("xDS pushes by type", "ops", List.of(
            new Query("sum by (type) (rate(pilot_xds_pushes[$__rate_interval]))", "{{type}}"))),
        new Panel("Proxy convergence time (P99)", "s", List.of(
            new Query("histogram_quantile(0.99, sum by (le) (rate(pilot_proxy_convergence_time_bucket[$__rate_interval])))", "p99"))),
        new Panel("Rejected configuration", "short", List.of(
            new Query("sum by (type) (pilot_total_xds_rejects)", "{{type}}"))),
        new Panel("istiod memory and CPU", "short", List.of(
            new Query("sum by (pod) (process_resident_memory_bytes{app=\"istiod\"})", "{{pod}} resident bytes"),
            new Query("sum by (pod) (rate(process_cpu_seconds_total{app=\"istiod\"}[$__rate_interval]))", "{{pod}} cpu"))),
        new Panel("Sidecar injections (mesh-operator webhook)", "ops", List.of(
            new Query("sum(rate(sidecar_injection_success_total[$__rate_interval]))", "injected"),
            new Query("sum by (reason) (rate(sidecar_injection_failure_total[$__rate_interval]))", "failed: {{reason}}")))));
  }

  private static Query quantile(String q, String selector) {
    return new Query("histogram_quantile(" + q + ", sum by (le) (rate(istio_request_duration_milliseconds_bucket{"
        + selector + "}[$__rate_interval])))", "P" + q.substring(2));
  }

  private static Map<String, Object> variable(String name, String query) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("name", name);
    v.put("type", "query");
    v.put("datasource", datasource());
    v.put("query", map("query", query, "refId", name));
    v.put("refresh", 2);
    v.put("includeAll", true);
    v.put("allValue", ".*");
    v.put("multi", false);
    return v;
  }

  private static Map<String, Object> datasource() {
    Map<String, Object> ds = new LinkedHashMap<>();
    ds.put("type", "prometheus");
    ds.put("uid", DATASOURCE_UID);
    return ds;
  }

  private static Map<String, Object> dashboard(String uid, String title, List<Map<String, Object>> variables, List<Panel> panels) {
    List<Map<String, Object>> rendered = new ArrayList<>();
    for (int i = 0; i < panels.size(); i++) {
      Panel p = panels.get(i);
      Map<String, Object> panel = new LinkedHashMap<>();
      panel.put("id", i + 1);
      panel.put("type", "timeseries");
      panel.put("title", p.title());
      panel.put("datasource", datasource());
      // Two panels a row, 12 of Grafana's 24 columns each.
      panel.put("gridPos", map("h", 8, "w", 12, "x", (i % 2) * 12, "y", (i / 2) * 8));
      panel.put("fieldConfig", map("defaults", map("unit", p.unit()), "overrides", List.of()));
      List<Map<String, Object>> targets = new ArrayList<>();
      for (int t = 0; t < p.queries().size(); t++) {
        Map<String, Object> target = new LinkedHashMap<>();
        target.put("refId", String.valueOf((char) ('A' + t)));
        target.put("datasource", datasource());
        target.put("expr", p.queries().get(t).expr());
        target.put("legendFormat", p.queries().get(t).legend());
        targets.add(target);
      }
      panel.put("targets", targets);
      rendered.add(panel);
    }
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("uid", uid);
    d.put("title", title);
    d.put("tags", List.of("mesh-operator", "istio"));
    d.put("timezone", "browser");
    d.put("schemaVersion", 39);
    d.put("version", 1);
    d.put("refresh", "30s");
    d.put("time", map("from", "now-30m", "to", "now"));
    d.put("templating", map("list", variables));
    d.put("panels", rendered);
    return d;
  }

  /** An ordered map: Map.of's iteration order changes from one JVM run to the next, and so would the JSON. */
  private static Map<String, Object> map(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }

  private static String write(Map<String, Object> dashboard) {
    try {
      return JSON.writeValueAsString(dashboard) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("dashboard JSON", e);
    }
  }
}
