package dev.meshoperator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class AddonsSpec {
  @JsonPropertyDescription("A Prometheus that scrapes the mesh (pods annotated prometheus.io/scrape).")
  private AddonSpec prometheus;

  @JsonPropertyDescription("A Grafana with the Prometheus addon as its data source.")
  private AddonSpec grafana;

  public AddonSpec getPrometheus() { return prometheus; }
  public void setPrometheus(AddonSpec prometheus) { this.prometheus = prometheus; }
  public AddonSpec getGrafana() { return grafana; }
  public void setGrafana(AddonSpec grafana) { this.grafana = grafana; }
}
