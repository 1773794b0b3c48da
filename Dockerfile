# syntax=docker/dockerfile:1
# The mesh-operator image: the operator (reconciler + injection webhook) from target/mesh-operator.jar,
# the jar built for it: no meshctl commands, no local test cluster, no kube-api-test.
#
#   docker build -t mesh-operator:0.1.0-SNAPSHOT .
#
# deploy/03-deployment.yaml and the Helm chart's defaults use that name; push it where your cluster
# pulls from (or `kind load docker-image mesh-operator:0.1.0-SNAPSHOT`) and set the image there.
# Not built by this project's tests or CI: the development machines have no Docker engine, so this
# file is written to the documented behaviour of the base images and has never been built here.
# DockerfileTest checks that the build stage copies everything `mvn package` reads (pom.xml's
# resource directories outside src/ included) and that the image runs the operator jar as a
# numeric non-root user.

FROM maven:3-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY src ./src
COPY crds ./crds
# pom.xml copies deploy/*.yaml into the jars (meshctl/deploy/): without it they would silently lack it.
COPY deploy ./deploy
# Tests need the local test cluster (hack/kube-testenv.sh) and run outside the image build.
RUN --mount=type=cache,target=/root/.m2 mvn -B -ntp -Dmaven.test.skip=true package

FROM eclipse-temurin:17-jre
LABEL org.opencontainers.image.title="mesh-operator" \
      org.opencontainers.image.description="Installs an Istio-style service mesh control plane from MeshInstall resources and injects Envoy sidecars" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /src/target/mesh-operator.jar /app/mesh-operator.jar
# Class data sharing: a training run records the classes the operator loads before it is ready
# (ClassDataTraining: the command line, the client, certificates, the HTTPS webhook and its warm-up,
# rendering, JOSDK; no API server needed) in an archive that every start then maps instead of
# loading them from the jar. On 2 cores it took the operator from start to ready from 3.3-3.5 s to
# 2.7-2.9 s (bench/operator-start.sh; README "Warm start"). The archive holds only this JVM's view
# of this jar: the training runs in this stage, on this image's java, at the path ENTRYPOINT uses;
# a java that cannot map it (another JDK build) starts without it (-Xshare:auto, the default) and
# says so in one warning ("Unable to use shared archive").
RUN java -Djava.io.tmpdir=/tmp -XX:ArchiveClassesAtExit=/app/mesh-operator.jsa \
      -cp /app/mesh-operator.jar dev.meshoperator.operator.ClassDataTraining
# Runs under Pod Security "restricted" (see deploy/03-deployment.yaml): a numeric non-root user, so
# that Kubernetes can verify runAsNonRoot without /etc/passwd; no capabilities (both ports are above
# 1024); a read-only root filesystem, where the only writes are the JVM's temporary and perf files
# under /tmp (an emptyDir in the Deployment). HOME points there too.
USER 65532:65532
ENV HOME=/tmp
# 9443: HTTPS admission webhook; 8080: /healthz, /readyz, /metrics.
EXPOSE 9443 8080
# The Deployment's args begin with `operator`, which mesh-operator.jar accepts and drops, as
# `meshctl operator` does; JAVA_TOOL_OPTIONS (set by the Deployment) carries -Djava.io.tmpdir=/tmp.
ENTRYPOINT ["java", "-XX:SharedArchiveFile=/app/mesh-operator.jsa", "-Djava.io.tmpdir=/tmp", "-jar", "/app/mesh-operator.jar"]
CMD ["operator"]
