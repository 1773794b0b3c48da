package dev.meshoperator.operator;

import dev.meshoperator.api.FailurePolicy;
import dev.meshoperator.webhook.CertificateManager;
import dev.meshoperator.webhook.WebhookRuntime;
import dev.meshoperator.wiring.LogConfigurator;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The operator's command-line options, a picocli mixin shared by {@code meshctl operator} and the
 * operator jar's own entry point ({@link OperatorMain}), so that the Deployment's arguments mean
 * the same to both.
 */
public final class OperatorOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(names = "--namespace", defaultValue = "${env:POD_NAMESPACE:-mesh-operator}",
      description = "Namespace of the operator: its leader election Lease and webhook certificate Secret (default: $POD_NAMESPACE or ${DEFAULT-VALUE}).")
  String namespace;

  @Option(names = "--webhook-port", defaultValue = "9443", description = "HTTPS port of the admission webhook (default ${DEFAULT-VALUE}).")
  int webhookPort;

  @Option(names = "--webhook-bind-address", defaultValue = "0.0.0.0",
      description = "Address the admission webhook listens on (default ${DEFAULT-VALUE}: all).")
  String webhookBindAddress;

  @Option(names = "--health-port", defaultValue = "8080",
      description = "Plain-HTTP port for /healthz, /readyz and /metrics (default ${DEFAULT-VALUE}).")
  int healthPort;

  @Option(names = "--leader-election", description = "Run the controller only in the elected leader (every replica serves the webhook).")
  boolean leaderElection;

  @Option(names = "--pod-name", defaultValue = "${env:POD_NAME:-}", description = "Identity in leader election (default: $POD_NAME, else the host name).")
  String podName;

  @Option(names = "--webhook-service", defaultValue = "mesh-operator",
      description = "Service through which the API server reaches the webhook (default ${DEFAULT-VALUE}).")
  String webhookService;

  @Option(names = "--webhook-url-host",
      description = "Run outside the cluster: the API server calls https://HOST:PORT/inject instead of the Service.")
  String webhookUrlHost;

  @Option(names = "--certificates", defaultValue = "managed",
      description = "managed: the operator keeps its own CA and serving certificate; external: read them from the Secret cert-manager maintains (default ${DEFAULT-VALUE}).")
  String certificates;

  @Option(names = "--cert-secret", defaultValue = "mesh-operator-webhook-tls",
      description = "Secret holding the webhook certificates (default ${DEFAULT-VALUE}).")
  String certSecret;

  @Option(names = "--resync-interval", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "Longest time a MeshInstall goes without a reconcile, e.g. 10m or 30s (default: 10m).")
  java.time.Duration resyncInterval;

  @Option(names = "--default-failure-policy", defaultValue = "Fail",
      description = "Webhook failurePolicy for MeshInstalls that do not set one: Fail or Ignore (default ${DEFAULT-VALUE}).")
  FailurePolicy defaultFailurePolicy;

  @Option(names = "--webhook-warm-up", converter = DurationConverter.class, paramLabel = "DURATION", defaultValue = "2s",
      description = "Before reporting ready, send the webhook synthetic admissions over loopback TLS for at most this long, so the first real ones find the JIT warm; 0 for none (default ${DEFAULT-VALUE}).")
  java.time.Duration webhookWarmUp;

  /** The levels {@code --log-level} takes. */
  public enum LogLevel { ERROR, WARN, INFO, DEBUG, TRACE }

  @Option(names = LogConfigurator.LEVEL_OPTION, paramLabel = "LEVEL",
      description = "Log level of the operator and of the libraries it logs through (Kubernetes client, operator SDK):"
          + " error, warn, info, debug or trace (default: info).")
  LogLevel logLevel;

  /**
   * Sets the log level the command line asks for; without {@code --log-level}, leaves logging as
   * it was set up (INFO, or {@code -Dmeshctl.log.level}, or a logback configuration file).
   */
  public void applyLogLevel() {
    if (logLevel != null) {
      LogConfigurator.setRootLevel(logLevel.name());
    }
  }

  /** What these options start: a wrong value is a command-line error (exit code 2), not a crash. */
  public OperatorProcess.Options processOptions() {
    CertificateManager.Mode mode = switch (certificates.toLowerCase(Locale.ROOT)) {
      case "managed" -> CertificateManager.Mode.MANAGED;
      case "external" -> CertificateManager.Mode.EXTERNAL;
      default -> throw new ParameterException(spec.commandLine(),
          "--certificates must be managed or external, not '" + certificates
              + "' (use --certificates=external when cert-manager maintains the Secret)");
    };
    var defaults = WebhookRuntime.Options.defaults(namespace);
    InetAddress bindAddress;
    try {
      bindAddress = InetAddress.getByName(webhookBindAddress);
    } catch (UnknownHostException e) {
      throw new ParameterException(spec.commandLine(), "--webhook-bind-address: unknown host '" + webhookBindAddress + "'");
    }
    var webhook = new WebhookRuntime.Options(namespace, webhookService, certSecret,
        Optional.ofNullable(webhookUrlHost), bindAddress, webhookPort, healthPort,
        mode, null, defaults.clock(), defaults.certificateCheckInterval(), webhookWarmUp);
    if (webhookWarmUp.isNegative()) {
      throw new ParameterException(spec.commandLine(), "--webhook-warm-up must not be negative");
    }
    Optional<String> identity = leaderElection ? Optional.of(identity()) : Optional.empty();
    if (resyncInterval != null && (resyncInterval.isZero() || resyncInterval.isNegative())) {
      throw new ParameterException(spec.commandLine(), "--resync-interval must be positive, not '" + resyncInterval + "'");
    }
    return new OperatorProcess.Options(webhook, identity, OperatorProcess.USER_AGENT, defaultFailurePolicy,
        Optional.ofNullable(resyncInterval));
  }

  private String identity() {
    if (podName != null && !podName.isBlank()) {
      return podName;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      throw new ParameterException(spec.commandLine(),
          "--leader-election needs an identity: set --pod-name or POD_NAME (the host name is unknown: " + e.getMessage() + ")");
    }
  }

}
