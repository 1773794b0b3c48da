{{/* Chart name, overridable. */}}
{{- define "mesh-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: the release name when it already contains the chart name (so a release named
mesh-operator yields the same object names as deploy/). */}}
{{- define "mesh-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "mesh-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels selecting the operator's pods; never change them in an upgrade (selectors are immutable). */}}
{{- define "mesh-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mesh-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "mesh-operator.labels" -}}
helm.sh/chart: {{ include "mesh-operator.chart" . }}
{{ include "mesh-operator.selectorLabels" . }}
app.kubernetes.io/part-of: mesh-operator
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The common labels of the roles for users: the same as mesh-operator.labels but their own component. */}}
{{- define "mesh-operator.userRoleLabels" -}}
helm.sh/chart: {{ include "mesh-operator.chart" . }}
app.kubernetes.io/name: {{ include "mesh-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: user-roles
app.kubernetes.io/part-of: mesh-operator
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "mesh-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "mesh-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "mesh-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
