package dev.meshoperator.reconcile;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.MeshState;
import dev.meshoperator.api.MeshInstallStatus;
import dev.meshoperator.api.MeshInstallSpec;
import dev.meshoperator.profile.EffectiveConfig;
import dev.meshoperator.profile.Revision;
import dev.meshoperator.profile.Upgrades;
import dev.meshoperator.render.LastValidSpec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import dev.meshoperator.profile.Problem;
import dev.meshoperator.profile.Profiles;
import dev.meshoperator.render.ComponentRenderer;
import dev.meshoperator.render.Labels;
import dev.meshoperator.render.Renderer;
import dev.meshoperator.wiring.ApiErrors;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import dev.meshoperator.inject.KubeJson;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.retry.GradualRetry;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs, heals and removes the control plane of one MeshInstall. A reconcile runs the steps
 * conflict check, validate, resolve and render, control plane namespace, apply, prune, readiness and
 * status, stopping early on a conflict or an invalid spec (then nothing in the cluster is touched).
 * Watches on every managed kind bring hand edits and deletions back here. API errors propagate, so
 * JOSDK retries with backoff while {@link #updateErrorStatus} reports them.
 */
@ControllerConfiguration(
    name = MeshInstallReconciler.NAME,
    fieldManager = MeshInstallReconciler.FIELD_MANAGER,
    finalizerName = MeshInstallReconciler.FINALIZER,
    // A safety net for drift in kinds no informer watches (an extra renderer's); a steady-state
    // reconcile writes nothing, so this costs reads only.
    maxReconciliationInterval = @MaxReconciliationInterval(interval = 10, timeUnit = TimeUnit.MINUTES))
// Unlimited attempts: an API server that refuses for a while (RBAC being fixed, a namespace still
// terminating) should be converged with once it accepts, without anyone touching the MeshInstall.
@GradualRetry(maxAttempts = -1, initialInterval = 1000, intervalMultiplier = 2, maxInterval = 120_000)
public class MeshInstallReconciler implements Reconciler<MeshInstall>, Cleaner<MeshInstall>, AutoCloseable {
  public static final String NAME = "meshinstall";
  public static final String FIELD_MANAGER = "mesh-operator";
  public static final String FINALIZER = "meshoperator.dev/uninstall";
  static final String PEERS = "peer-meshinstalls";
  static final String INJECTION_NAMESPACES = "injection-namespaces";
  /** Retries of an unfinished uninstall: 1 s, doubling up to a minute; events of labelled objects come sooner. */
  private static final Duration UNINSTALL_RETRY_FIRST = Duration.ofSeconds(1);
  private static final Duration UNINSTALL_RETRY_MAX = Duration.ofSeconds(60);
  private static final Duration CONFLICT_RECHECK = Duration.ofSeconds(10);
  /** After a status write found the MeshInstall changed since it was read: look again with what changed. */
  private static final Duration STATUS_CONFLICT_RETRY = Duration.ofSeconds(1);
  /**
   * Not Ready for this long: the status reads the pods of Deployments that are not available to
   * say why (unschedulable, an image that cannot be pulled, a crash loop). Before that, a rollout
   * on its way is not asked about, so an install reads no pods.
   */
  static final Duration STUCK_AFTER = Duration.ofSeconds(10);
  /**
   * While not Ready, look again this often: a pod stuck in its back-off changes no Deployment,
   * so nothing else would refresh the reason.
   */
  static final Duration NOT_READY_RECHECK = Duration.ofSeconds(20);
  private static final Logger log = LoggerFactory.getLogger(MeshInstallReconciler.class);

  private final Renderer renderer;
  private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
  private final LiveObjects live = new LiveObjects();
  // the operator's one Kubernetes mapping (its client's too, see OperatorProcess)
  private final Ownership ownership = new Ownership(KubeJson.serialization());
  private final ControlPlaneNamespace namespace = new ControlPlaneNamespace(live);
  private final Applier applier = new Applier(live);
  private final Pruner pruner = new Pruner(live);
  private final Clock clock = Clock.systemUTC();
  private final StatusFactory statuses = new StatusFactory(clock);
  private final Uninstaller uninstaller = new Uninstaller();
  private final Map<String, Integer> uninstallAttempts = new java.util.concurrent.ConcurrentHashMap<>();
  private final EventRecorder events = new EventRecorder();

  /** @param extraRenderers rendered after the built-in components, e.g. the injection webhook configuration */
  private InformerEventSource<Namespace, MeshInstall> namespaces;
  /** What the start-up check found the operator may not do; reported in every status. */
  private volatile List<Permission> missingPermissions = List.of();

  public MeshInstallReconciler(List<ComponentRenderer> extraRenderers) {
    this.renderer = new Renderer(extraRenderers);
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public List<EventSource<?, MeshInstall>> prepareEventSources(EventSourceContext<MeshInstall> context) {
    List<EventSource<?, MeshInstall>> sources = new ArrayList<>();
    SecondaryToPrimaryMapper<HasMetadata> toInstall = object -> installsOf(object, context);
    // A kind the operator may not watch gets no informer (reads of it go to the API server and
    // drift there is caught by the periodic reconcile) instead of an informer that fails, which
    // used to stop the process at start. Each MeshInstall's status names what is missing.
    List<Permission> cannotWatch = new ArrayList<>();
    for (ManagedKind kind : ManagedKinds.ALL) {
      List<Permission> denied = PermissionCheck.denied(context.getClient(), PermissionCheck.toWatch(kind.type()));
      if (!denied.isEmpty()) {
        cannotWatch.addAll(denied);
        continue;
      }
      var configuration = InformerEventSourceConfiguration.from((Class<HasMetadata>) kind.type(), MeshInstall.class)
          .withName(kind.kind())
          .withLabelSelector(Labels.MANAGED_BY + "=" + Labels.MANAGED_BY_VALUE)
          .withSecondaryToPrimaryMapper(toInstall)
          .build();
      var source = new InformerEventSource<HasMetadata, MeshInstall>(configuration, context);
      live.register(kind, source);
      sources.add(source);
    }
    // A MeshInstall appearing or going away can end another's Conflict: wake its peers.
    var peers = InformerEventSourceConfiguration.from(MeshInstall.class, MeshInstall.class)
        .withName(PEERS)
        .withSecondaryToPrimaryMapper(install -> peersOf(install, context))
        .withOnUpdateFilter((newer, older) -> false)
        .build();
    sources.add(new InformerEventSource<>(peers, context));
    // Labelling a namespace for injection changes the status of the installs of that revision.
    var injectionNamespaces = InformerEventSourceConfiguration.from(Namespace.class, MeshInstall.class)
        .withName(INJECTION_NAMESPACES)
        .withSecondaryToPrimaryMapper(ns -> context.getPrimaryCache().list()
            .map(ResourceID::fromResource).collect(Collectors.toSet()))
        .withOnAddFilter(ns -> injectionLabels(ns).values().stream().anyMatch(Objects::nonNull))
        .withOnDeleteFilter((ns, unknown) -> injectionLabels(ns).values().stream().anyMatch(Objects::nonNull))
        .withOnUpdateFilter((newer, older) -> !injectionLabels(newer).equals(injectionLabels(older)))
        .build();
    if (cannotWatch.stream().noneMatch(p -> p.resource().equals("namespaces"))) {
      namespaces = new InformerEventSource<>(injectionNamespaces, context);
      sources.add(namespaces);
    }
    missingPermissions = List.copyOf(cannotWatch);
    if (!missingPermissions.isEmpty()) {
      log.warn("missing permission: the operator cannot {} (cluster-wide); those kinds are not watched, so their drift is "
          + "corrected by the periodic reconcile only; grant what deploy/02-rbac.yaml grants", describe(missingPermissions));
    }
    return sources;
  }

  /** "list, watch validatingwebhookconfigurations.admissionregistration.k8s.io" style, verbs merged per resource. */
  private static String describe(List<Permission> permissions) {
    Map<String, List<String>> verbs = new java.util.LinkedHashMap<>();
    permissions.forEach(p -> verbs.computeIfAbsent(p.resource() + (p.group().isEmpty() ? "" : "." + p.group()),
        k -> new ArrayList<>()).add(p.verb()));
    return verbs.entrySet().stream().map(e -> String.join(",", e.getValue()) + " " + e.getKey())
        .collect(Collectors.joining("; "));
  }

  private static Map<String, String> injectionLabels(Namespace ns) {
    Map<String, String> labels = ns.getMetadata().getLabels() == null ? Map.of() : ns.getMetadata().getLabels();
    Map<String, String> selected = new java.util.HashMap<>();
    selected.put(InjectionReport.INJECTION_LABEL, labels.get(InjectionReport.INJECTION_LABEL));
    selected.put(InjectionReport.REV_LABEL, labels.get(InjectionReport.REV_LABEL));
    return selected;
  }

  /** The install label names the primary; shared objects (Istio CRDs) concern every install. */
  private static Set<ResourceID> installsOf(HasMetadata object, EventSourceContext<MeshInstall> context) {
    if (Provenance.madeByAnotherController(object)) {
      return Set.of(); // endpoint churn of our Services says nothing about our objects
    }
    String install = object.getMetadata().getLabels() == null ? null : object.getMetadata().getLabels().get(Labels.INSTALL);
    if (install != null) {
      return Set.of(new ResourceID(install));
    }
    if (SharedObjects.isShared(object)) {
      return context.getPrimaryCache().list().map(ResourceID::fromResource).collect(Collectors.toSet());
    }
    return Set.of();
  }

  private static Set<ResourceID> peersOf(MeshInstall install, EventSourceContext<MeshInstall> context) {
    return context.getPrimaryCache().list()
        .filter(other -> !other.getMetadata().getName().equals(install.getMetadata().getName()))
        .filter(other -> !ConflictCheck.shared(install, other).isEmpty())
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  @Override
  public UpdateControl<MeshInstall> reconcile(MeshInstall install, Context<MeshInstall> context) {
    inFlight.incrementAndGet();
    try {
      return reconcilePass(install, context);
    } finally {
      inFlight.decrementAndGet();
    }
  }

  /** Reconciles running now (the operator's FirstReconcileGate asks). */
  public int reconcilesInFlight() {
    return inFlight.get();
  }

  private UpdateControl<MeshInstall> reconcilePass(MeshInstall install, Context<MeshInstall> context) {
    long started = System.nanoTime();
    KubernetesClient client = context.getClient();
    String name = install.getMetadata().getName();

    Optional<MeshInstall> winner = ConflictCheck.winnerOver(install, context.getPrimaryCache().list().toList());
    if (winner.isPresent()) {
      MeshInstallStatus status = statuses.conflict(install, winner.get());
      announceTransition(client, install, status);
      // The winner's deletion wakes us through the peer informer, but that informer and the primary
      // cache this check reads are separate watches: the event can come before the cache forgets
      // the winner. Looking again later costs reads only.
      return statusUpdate(install, status, context, Optional.of(CONFLICT_RECHECK));
    }

    List<Problem> problems = new ArrayList<>(Profiles.validate(install));
    Optional<Problem> cniTaken = problems.isEmpty()
        ? CniOwnership.conflict(install, context.getPrimaryCache().list().toList()) : Optional.empty();
    cniTaken.ifPresent(problems::add);
    if (!problems.isEmpty()) {
      MeshInstallStatus status = statuses.invalid(install, problems);
      status.setWebhook(InjectionReport.whileInvalid(status.getWebhook(), lastValidSpec(install, client)));
      announceTransition(client, install, status);
      // Nothing else wakes us when the CNI owner lets go: look again later (reads only).
      return statusUpdate(install, status, context, cniTaken.map(taken -> CONFLICT_RECHECK));
    }

    EffectiveConfig config = Profiles.resolve(install);
    // Older revisions stay rendered beside the active one while pods use them (RevisionBased).
    // One read of the pods for the plan, the status's counts and the workload move alike.
    Map<String, String> running = RevisionUsage.runningRevisions(client, name);
    RevisionUsage.Pods podsRead = RevisionUsage.pods(client, RevisionPlan.candidates(install, config, running).keySet());
    Map<String, Integer> pods = podsRead.byRevision();
    RevisionPlan plan = RevisionPlan.of(install, config, running, pods, clock.instant());
    List<HasMetadata> rendered = renderer.render(Upgrades.configs(install, plan.retained()));
    List<HasMetadata> desired = withLastValidSpec(rendered, config, install).stream()
        .map(o -> ownership.forApply(o, install)).toList();

    boolean createdNamespace = namespace.ensure(client, install, config.namespace(), desired);
    if (config.cni().enabled() && !config.cni().namespace().equals(config.namespace())) {
      // spec.components.cni.namespace may name another namespace (Istio's OpenShift profile: kube-system).
      if (namespace.ensure(client, install, config.cni().namespace(), desired)) {
        events.normal(client, install, "Applied", "created namespace " + config.cni().namespace() + " for Istio CNI");
      }
    }
    Applier.Result applied = applier.apply(desired, context, () -> stillWanted(install, context));
    if (applied.stopped()) {
      // deleted while this pass ran (the clean-up, its own call, removes what is left), or the
      // operator is stopping (its cache is gone; the next leader reconciles)
      log.info("MeshInstall {}: {}; stopped applying after {} objects", name,
          stopping(install, context) ? "the operator is stopping" : "being deleted", applied.applied().size());
      return UpdateControl.noUpdate();
    }
    Set<ObjectKey> desiredKeys = desired.stream().map(ObjectKey::of).collect(Collectors.toSet());
    List<ObjectKey> pruned = pruner.prune(client, name, desiredKeys);
    report(client, install, config, createdNamespace, applied, pruned);
    if (!plan.removed().isEmpty()) {
      log.info("MeshInstall {}: removed inactive revisions {} (no pod used them for the grace period)", name, plan.removed());
      events.normal(client, install, "RevisionRemoved", "removed inactive revision(s) " + String.join(", ", plan.removed())
          + ": no pod used them for " + Upgrades.graceSeconds(install.getSpec()) + "s");
    }

    boolean stuck = notReadySince(install).filter(t -> !t.plus(STUCK_AFTER).isAfter(clock.instant())).isPresent();
    Readiness.Report readiness = Readiness.assess(desired, o -> live.current(o, client),
        stuck ? d -> podsOf(client, d) : d -> List.of());
    MeshInstallStatus status = statuses.installed(install, desired.size(), readiness);
    status.setWebhook(InjectionReport.webhook(desired, o -> live.current(o, client)));
    status.setAppliedVersion(config.images().version());
    status.setActiveRevision(config.revision().label());
    boolean activeReady = config.istiodMode() != dev.meshoperator.profile.IstiodMode.LOCAL
        ? readiness.allAvailable() : readiness.available(config.istiodServiceName());
    status.setRevisions(new ArrayList<>(plan.statuses(config, pods, activeReady, readiness::available)));
    Optional<java.time.Duration> recheck = plan.recheck();
    if (!readiness.allAvailable()) {
      recheck = Optional.of(recheck.filter(d -> d.compareTo(NOT_READY_RECHECK) < 0).orElse(NOT_READY_RECHECK));
    }
    var previousMove = install.getStatus() == null ? null : install.getStatus().getWorkloadUpdate();
    if (Upgrades.updateWorkloads(install.getSpec()) && !plan.retained().isEmpty()) {
      Set<String> old = plan.retained().stream().map(dev.meshoperator.api.RevisionStatus::getName).collect(Collectors.toSet());
      var move = WorkloadMover.step(client, podsRead, old, config.revision().label(), activeReady, previousMove, clock.instant());
      if (!move.getRestarted().equals(previousMove == null ? null : previousMove.getRestarted())) {
        log.info("MeshInstall {}: {}", name, move.getMessage());
      }
      if (WorkloadMover.FAILED.equals(move.getState()) && (previousMove == null || !WorkloadMover.FAILED.equals(previousMove.getState()))) {
        events.warning(client, install, "WorkloadUpdateFailed", move.getMessage());
      }
      status.setWorkloadUpdate(move);
    } else {
      status.setWorkloadUpdate(previousMove);
    }
    if (namespaces != null) {
      Set<String> answers = new java.util.LinkedHashSet<>(config.role().tags());
      answers.add(config.revision().label());
      status.setInjectionNamespaces(InjectionReport.namespaces(namespaces.list().toList(), answers));
    }
    if (!missingPermissions.isEmpty()) {
      status = statuses.missingPermission(install, status, "the operator cannot " + describe(missingPermissions)
          + " (cluster-wide): it does not see edits of those kinds until its periodic reconcile; grant what deploy/02-rbac.yaml grants");
    }
    // JOSDK logs when a reconcile begins, not when a steady-state one ends: this line says how long it took.
    if (log.isDebugEnabled()) {
      log.debug("MeshInstall {}: reconciled {} objects ({} written, {} unchanged, {} pruned) in {} ms", name,
          desired.size(), applied.applied().size(), applied.unchanged(), pruned.size(),
          (System.nanoTime() - started) / 1_000_000);
    }
    return statusUpdate(install, status, context, recheck);
  }

  /** When the status last turned Ready=False, if it says so now. */
  static Optional<java.time.Instant> notReadySince(MeshInstall install) {
    if (install.getStatus() == null || install.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return install.getStatus().getConditions().stream()
        .filter(c -> MeshInstallStatus.READY.equals(c.getType()) && "False".equals(c.getStatus()) && c.getLastTransitionTime() != null)
        .findFirst()
        .flatMap(c -> {
          try {
            return Optional.of(java.time.Instant.parse(c.getLastTransitionTime()));
          } catch (java.time.format.DateTimeParseException e) {
            return Optional.empty();
          }
        });
  }

  /** The pods of a Deployment or DaemonSet (by its selector's labels); none when they cannot be listed. */
  private static List<io.fabric8.kubernetes.api.model.Pod> podsOf(KubernetesClient client, HasMetadata workload) {
    io.fabric8.kubernetes.api.model.LabelSelector selector = null;
    if (workload instanceof io.fabric8.kubernetes.api.model.apps.Deployment d && d.getSpec() != null) {
      selector = d.getSpec().getSelector();
    } else if (workload instanceof io.fabric8.kubernetes.api.model.apps.DaemonSet d && d.getSpec() != null) {
      selector = d.getSpec().getSelector();
    }
    if (selector == null || selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty()) {
      return List.of();
    }
    try {
      return client.pods().inNamespace(workload.getMetadata().getNamespace())
          .withLabels(selector.getMatchLabels()).list().getItems();
    } catch (KubernetesClientException e) {
      log.debug("cannot list the pods of {} {}/{}: {}", workload.getKind(), workload.getMetadata().getNamespace(),
          workload.getMetadata().getName(), ApiErrors.message(e));
      return List.of();
    }
  }

  /** Stops the applier's threads; call after the operator has stopped. */
  @Override
  public void close() {
    applier.close();
  }

  /**
   * Renders the demo profile once and serializes it as an apply would, touching no cluster. The
   * first reconcile of a process otherwise pays for loading and initializing the rendering and
   * serialization code: bench/scale.sh measured 3.9 s (load 18) and 9.1 s (load 27) between that
   * reconcile's first reads and its first apply of the demo profile.
   *
   * @return how many objects were rendered
   */
  public int warmUp() {
    MeshInstall sample = new MeshInstall();
    sample.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("warm-up").withUid("warm-up").build());
    MeshInstallSpec spec = new MeshInstallSpec();
    spec.setProfile(dev.meshoperator.api.Profile.DEMO);
    sample.setSpec(spec);
    EffectiveConfig config = Profiles.resolve(sample);
    // the mapping the operator's client applies with: warming it is what the first reconcile needs
    KubernetesSerialization serialization = KubeJson.serialization();
    List<HasMetadata> desired = withLastValidSpec(renderer.render(Upgrades.configs(sample, List.of())), config, sample).stream()
        .map(o -> ownership.forApply(o, sample)).toList();
    desired.forEach(serialization::asJson);
    return desired.size();
  }

  /**
   * Where the injector has a webhook configuration, the spec that validated now is kept beside it
   * ({@link LastValidSpec}): the webhook serves it while a later edit leaves the spec invalid.
   */
  static List<HasMetadata> withLastValidSpec(List<HasMetadata> rendered, EffectiveConfig config, MeshInstall install) {
    if (rendered.stream().noneMatch(MutatingWebhookConfiguration.class::isInstance)) {
      return rendered;
    }
    List<HasMetadata> objects = new ArrayList<>(rendered);
    objects.add(LastValidSpec.render(config, install.getSpec(), install.getMetadata().getGeneration()));
    return objects;
  }

  /** The last valid spec kept for an install whose current spec does not validate. */
  private Optional<ConfigMap> lastValidSpec(MeshInstall install, KubernetesClient client) {
    var spec = install.getSpec();
    String namespace = spec == null || spec.getNamespace() == null || spec.getNamespace().isEmpty()
        ? MeshInstallSpec.DEFAULT_NAMESPACE : spec.getNamespace();
    ConfigMap key = new ConfigMapBuilder().withNewMetadata()
        .withName(LastValidSpec.name(Revision.of(spec == null ? null : spec.getRevision())))
        .withNamespace(namespace).endMetadata().build();
    return live.current(key, client).map(ConfigMap.class::cast)
        .filter(cm -> cm.getMetadata().getOwnerReferences() != null && cm.getMetadata().getOwnerReferences().stream()
            .anyMatch(o -> install.getMetadata().getUid().equals(o.getUid())));
  }

  private void report(KubernetesClient client, MeshInstall install, EffectiveConfig config, boolean createdNamespace,
      Applier.Result applied, List<ObjectKey> pruned) {
    if (applied.applied().isEmpty() && pruned.isEmpty() && !createdNamespace) {
      return;
    }
    log.info("MeshInstall {}: applied {} ({} unchanged), pruned {}{}", install.getMetadata().getName(),
        applied.applied(), applied.unchanged(), pruned, createdNamespace ? ", created namespace " + config.namespace() : "");
    if (!applied.applied().isEmpty() || createdNamespace) {
      events.normal(client, install, "Applied", "applied " + applied.applied().size() + " of "
          + (applied.applied().size() + applied.unchanged()) + " objects (profile " + config.profile().wireName() + ")"
          + (createdNamespace ? "; created namespace " + config.namespace() : ""));
    }
    if (!pruned.isEmpty()) {
      events.normal(client, install, "Pruned", "deleted " + pruned.size() + " objects no longer wanted: "
          + pruned.stream().map(ObjectKey::toString).collect(Collectors.joining(", ")));
    }
  }

  /** One Warning per change of the Reconciled condition into Conflict or InvalidSpec, not per reconcile. */
  private void announceTransition(KubernetesClient client, MeshInstall install, MeshInstallStatus status) {
    Condition now = StatusFactory.find(status, MeshInstallStatus.RECONCILED);
    Condition before = StatusFactory.find(install.getStatus(), MeshInstallStatus.RECONCILED);
    if (now == null || before != null && Objects.equals(before.getReason(), now.getReason())
        && Objects.equals(before.getMessage(), now.getMessage())) {
      return;
    }
    events.warning(client, install, now.getReason(), now.getMessage());
  }

  /**
   * Writes {@code status} unless it says nothing new, and asks to be called again after
   * {@code recheck}, or sooner when the write found the MeshInstall changed since it was read.
   */
  private static UpdateControl<MeshInstall> statusUpdate(MeshInstall install, MeshInstallStatus status,
      Context<MeshInstall> context, Optional<Duration> recheck) {
    Optional<Duration> next = recheck;
    if (!StatusDiff.same(install.getStatus(), status) && !writeStatus(install, status, context)) {
      next = Optional.of(recheck.filter(d -> d.compareTo(STATUS_CONFLICT_RETRY) < 0).orElse(STATUS_CONFLICT_RETRY));
    }
    UpdateControl<MeshInstall> control = UpdateControl.noUpdate();
    return next.map(control::rescheduleAfter).orElse(control);
  }

  /**
   * A status is computed from the one this reconcile read (what the workload move has done, when
   * conditions changed), so it is written only over that one: an update with its resourceVersion,
   * and the answer goes into JOSDK's cache of MeshInstalls. JOSDK's own UpdateControl.patchStatus
   * does neither (5.2.3): the next reconcile, started at once by an event that came meanwhile, could
   * read the status from before this write and its patch, computed from that, overwrote this one
   * (status.workloadUpdate.restarted lost, UpgradeIT).
   *
   * @return false when the MeshInstall changed since it was read (HTTP 409): nothing was written
   */
  private static boolean writeStatus(MeshInstall install, MeshInstallStatus status, Context<MeshInstall> context) {
    KubernetesClient client = context.getClient();
    MeshInstall update = client.getKubernetesSerialization().clone(install);
    update.setStatus(status);
    MeshInstall written;
    try {
      written = client.resource(update).updateStatus();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      log.debug("MeshInstall {}: changed since read (resourceVersion {}); its status is computed again",
          install.getMetadata().getName(), install.getMetadata().getResourceVersion());
      return false;
    }
    context.eventSourceRetriever().getControllerEventSource()
        .handleRecentResourceUpdate(ResourceID.fromResource(install), written, install);
    return true;
  }

  /** Writes the status of an install being deleted (JOSDK's DeleteControl carries no status). */
  private void patchStatus(KubernetesClient client, MeshInstall install, MeshInstallStatus status) {
    if (StatusDiff.same(install.getStatus(), status)) {
      return;
    }
    try {
      client.resources(MeshInstall.class).withName(install.getMetadata().getName())
          .editStatus(current -> {
            current.setStatus(status);
            return current;
          });
    } catch (RuntimeException e) {
      log.debug("cannot write the status of MeshInstall {}: {}", install.getMetadata().getName(), e.toString());
    }
  }

  /** The install as the primary cache has it now; empty once the informers have stopped. */
  private static Optional<MeshInstall> cached(MeshInstall install, Context<MeshInstall> context) {
    return context.getPrimaryCache().get(io.javaoperatorsdk.operator.processing.event.ResourceID.fromResource(install));
  }

  /** Whether the MeshInstall is missing from the cache altogether: the informers have stopped. */
  private static boolean stopping(MeshInstall install, Context<MeshInstall> context) {
    return cached(install, context).isEmpty();
  }

  /** Whether the install, as the primary cache has it now, is still there and not being deleted. */
  private static boolean stillWanted(MeshInstall install, Context<MeshInstall> context) {
    return cached(install, context).map(current -> current.getMetadata().getDeletionTimestamp() == null).orElse(false);
  }

  @Override
  public ErrorStatusUpdateControl<MeshInstall> updateErrorStatus(MeshInstall install, Context<MeshInstall> context, Exception e) {
    String reason = e instanceof ReconcileStepException step ? step.reason() : "ReconcileFailed";
    String message = ApiErrors.message(e);
    Optional<String> forbidden = Permission.forbiddenMessage(e);
    if (forbidden.isPresent()) {
      // The API server's message names the user, verb, resource, group and scope: all one needs.
      reason = Permission.REASON_MISSING;
      message = "missing permission: " + forbidden.get();
    }
    log.warn("MeshInstall {}: {} (will retry)", install.getMetadata().getName(), message);
    MeshInstallStatus status = statuses.failed(install, reason, message);
    if (StatusDiff.same(install.getStatus(), status)) {
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    install.setStatus(status);
    return ErrorStatusUpdateControl.patchStatus(install);
  }

  /**
   * Deletes what the install created, then keeps the finalizer (retrying with backoff, and on every
   * event of a labelled object) until nothing of it is left; status says Deleting and names what is
   * left and why, and a Warning Event says so when something holds it (a finalizer, a refusal).
   */
  @Override
  public DeleteControl cleanup(MeshInstall install, Context<MeshInstall> context) {
    KubernetesClient client = context.getClient();
    String name = install.getMetadata().getName();
    List<MeshInstall> others = context.getPrimaryCache().list()
        .filter(o -> !o.getMetadata().getName().equals(name) && o.getMetadata().getDeletionTimestamp() == null)
        .toList();
    Uninstaller.Report report = uninstaller.uninstall(client, install, others);
    if (!report.deleted().isEmpty()) {
      log.info("MeshInstall {} uninstalling: deleted {}", name, report.deleted());
    }
    if (report.done()) {
      uninstallAttempts.remove(name);
      log.info("MeshInstall {} uninstalled: nothing of it is left", name);
      return DeleteControl.defaultDelete();
    }
    MeshInstallStatus status = statuses.deleting(install, report.remaining());
    Condition before = StatusFactory.find(install.getStatus(), MeshInstallStatus.RECONCILED);
    Condition now = StatusFactory.find(status, MeshInstallStatus.RECONCILED);
    if (report.blocked() && (before == null || !Objects.equals(before.getMessage(), now.getMessage()))) {
      events.warning(client, install, StatusFactory.REASON_UNINSTALL_BLOCKED, now.getMessage());
    }
    patchStatus(client, install, status);
    int attempt = uninstallAttempts.merge(name, 1, Integer::sum);
    Duration delay = UNINSTALL_RETRY_MAX.compareTo(UNINSTALL_RETRY_FIRST.multipliedBy(1L << Math.min(attempt - 1, 10))) < 0
        ? UNINSTALL_RETRY_MAX : UNINSTALL_RETRY_FIRST.multipliedBy(1L << Math.min(attempt - 1, 10));
    log.info("MeshInstall {} not uninstalled yet (attempt {}, next in {}s): {}", name, attempt, delay.toSeconds(),
        report.remaining());
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(delay);
  }
}
