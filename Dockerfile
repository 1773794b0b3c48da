# syntax=docker/dockerfile:1
# The mesh-operator image: the operator (reconciler + injection webhook) from target/meshctl.jar.
#
#   docker build -t mesh-operator:0.1.0-SNAPSHOT .
#
# deploy/03-deployment.yaml and the Helm chart's defaults use that name; push it where your cluster
# pulls from (or `kind load docker-image mesh-operator:0.1.0-SNAPSHOT`) and set the image there.
# Not built by this project's tests or CI: the development machines have no Docker engine, so this
# file is written to the documented behaviour of the base images and has never been built here.
# It relies on target/meshctl.jar being the runnable all-in-one jar (`java -jar meshctl.jar`).

FROM maven:3-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY src ./src
COPY crds ./crds
# Tests need the local test cluster (hack/kube-testenv.sh) and run outside the image build.
RUN --mount=type=cache,target=/root/.m2 mvn -B -ntp -DskipTests package

FROM eclipse-temurin:17-jre
LABEL org.opencontainers.image.title="mesh-operator" \
      org.opencontainers.image.description="Installs an Istio-style service mesh control plane from MeshInstall resources and injects Envoy sidecars" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /src/target/meshctl.jar /app/meshctl.jar
# Non-root, numeric so that Kubernetes can verify runAsNonRoot without /etc/passwd; the Deployment
# also runs with a read-only root filesystem and an emptyDir on /tmp.
USER 65532:65532
ENV HOME=/tmp
# 9443: HTTPS admission webhook; 8080: /healthz, /readyz, /metrics.
EXPOSE 9443 8080
ENTRYPOINT ["java", "-jar", "/app/meshctl.jar"]
CMD ["operator"]
