package dev.meshoperator.reconcile;

import dev.meshoperator.api.MeshInstall;
import dev.meshoperator.api.RevisionStatus;
import dev.meshoperator.profile.EffectiveConfig;
import dev.meshoperator.profile.Revision;
import dev.meshoperator.profile.Upgrades;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which older revisions of an install are still rendered, pure. A revision that is no longer the
 * active one stays while any pod carries its sidecar (pods name it in their {@code istio.io/rev}
 * annotation, written by our injector); once none does, it stays for the grace period
 * (spec.updateStrategy.inactiveRevisionDeletionGracePeriodSeconds) counted from the moment it was
 * first seen unused, then it is no longer rendered and the pruner removes it. A pod coming back
 * (a rollback, a pod pinned to the old revision) restarts the count.
 *
 * <p>The candidates are the union of what the status lists and what runs: an istiod Deployment of
 * the install whose revision is not the active one (so a lost status write cannot orphan a revision
 * that pods still use, nor prune it early).
 *
 * @param retained inactive revisions to keep rendering, with their pods, draining and unusedSince set
 * @param removed  inactive revisions whose grace period is over (not rendered any more)
 * @param recheck  when to look again (pods leaving do not wake the reconciler): empty when nothing drains
 */
public record RevisionPlan(List<RevisionStatus> retained, List<String> removed, Optional<Duration> recheck) {
  /** While pods still use an old revision, how often their count is looked at again. */
  static final Duration POLL = Duration.ofSeconds(5);

  /**
   * @param running revision name to version of the install's istiod Deployments in the cluster
   * @param pods    revision name to the number of pods carrying its sidecar
   */
  public static RevisionPlan of(MeshInstall install, EffectiveConfig active, Map<String, String> running,
      Map<String, Integer> pods, Instant now) {
    Map<String, RevisionStatus> candidates = candidates(install, active, running);
    Duration grace = Duration.ofSeconds(Upgrades.graceSeconds(install.getSpec()));
    List<RevisionStatus> retained = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    Duration recheck = null;
    for (RevisionStatus candidate : candidates.values()) {
      int using = pods.getOrDefault(candidate.getName(), 0);
      RevisionStatus kept = new RevisionStatus(candidate.getName(), candidate.getVersion());
      kept.setActive(false);
      kept.setDraining(true);
      kept.setPods(using);
      if (using > 0) {
        retained.add(kept);
        recheck = min(recheck, POLL);
        continue;
      }
      Instant since = parse(candidate.getUnusedSince()).orElse(now.truncatedTo(ChronoUnit.SECONDS));
      Instant due = since.plus(grace);
      if (!now.isBefore(due)) {
        removed.add(candidate.getName());
        continue;
      }
      kept.setUnusedSince(since.toString());
      retained.add(kept);
      recheck = min(recheck, Duration.between(now, due).plusSeconds(1));
    }
    return new RevisionPlan(List.copyOf(retained), List.copyOf(removed), Optional.ofNullable(recheck));
  }

  /**
   * The install's inactive revisions that may be kept: those its status names and those whose istiod
   * runs, by name; the plan keeps the ones pods still use or whose grace period is not over.
   */
  static Map<String, RevisionStatus> candidates(MeshInstall install, EffectiveConfig active, Map<String, String> running) {
    Map<String, RevisionStatus> candidates = new LinkedHashMap<>();
    for (RevisionStatus r : Upgrades.retained(install, active.revision())) {
      candidates.put(r.getName(), r);
    }
    running.forEach((name, version) -> {
      if (!name.equals(active.revision().label())) {
        candidates.putIfAbsent(name, new RevisionStatus(name, version));
      }
    });
    return candidates;
  }

  /** The status of every revision: the active one first. */
  public List<RevisionStatus> statuses(EffectiveConfig active, Map<String, Integer> pods, boolean activeReady,
      java.util.function.Predicate<String> istiodReady) {
    List<RevisionStatus> all = new ArrayList<>();
    RevisionStatus current = new RevisionStatus(active.revision().label(), active.images().version());
    current.setActive(true);
    current.setReady(activeReady);
    current.setPods(pods.getOrDefault(active.revision().label(), 0));
    current.setDraining(false);
    all.add(current);
    for (RevisionStatus r : retained) {
      r.setReady(istiodReady.test(Revision.of(r.getName().equals(Revision.DEFAULT.label()) ? "" : r.getName()).qualify("istiod")));
      all.add(r);
    }
    return all;
  }

  private static Duration min(Duration a, Duration b) {
    return a == null || b.compareTo(a) < 0 ? b : a;
  }

  private static Optional<Instant> parse(String time) {
    if (time == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(time));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
