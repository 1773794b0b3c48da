package dev.meshoperator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class WebhookStatus {
  @JsonPropertyDescription("Name of the MutatingWebhookConfiguration the operator maintains.")
  private String configurationName;
  @JsonPropertyDescription("Pending, Ready, Disabled or Error.")
  private String state;
  @JsonPropertyDescription("Why the webhook is in this state, when it is not Ready.")
  private String message;

  public String getConfigurationName() { return configurationName; }
  public void setConfigurationName(String configurationName) { this.configurationName = configurationName; }
  public String getState() { return state; }
  public void setState(String state) { this.state = state; }
  public String getMessage() { return message; }
  public void setMessage(String message) { this.message = message; }
}
