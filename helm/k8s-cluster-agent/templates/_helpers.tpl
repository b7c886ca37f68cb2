{{/*
Chart name, truncated to 63 chars (DNS label limit).
*/}}
{{- define "k8s-cluster-agent.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name: fullnameOverride, else <release> if it already contains
the chart name, else <release>-<chart>; truncated to 63 chars.
*/}}
{{- define "k8s-cluster-agent.fullname" -}}
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

{{/*
Namespace of the namespaced resources.
*/}}
{{- define "k8s-cluster-agent.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Chart name and version for the helm.sh/chart label.
*/}}
{{- define "k8s-cluster-agent.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels: stable across upgrades (no version, no chart label), because
Deployment/DaemonSet selectors are immutable.
*/}}
{{- define "k8s-cluster-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "k8s-cluster-agent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Common labels for metadata (never used as selectors).
*/}}
{{- define "k8s-cluster-agent.labels" -}}
helm.sh/chart: {{ include "k8s-cluster-agent.chart" . }}
{{ include "k8s-cluster-agent.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/component: agent
app.kubernetes.io/part-of: k8s-cluster-agent
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
ServiceAccount name.
*/}}
{{- define "k8s-cluster-agent.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "k8s-cluster-agent.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Container image reference (digest wins over tag; tag defaults to appVersion).
*/}}
{{- define "k8s-cluster-agent.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag | toString) }}
{{- end }}
{{- end }}

{{/*
Whole seconds (rounded up) of a single-unit duration string such as "500ms",
"10s", "2m" or "1h". Fails on anything else, so a typo cannot silently produce a
too-short termination grace period.
*/}}
{{- define "k8s-cluster-agent.durationSeconds" -}}
{{- $d := toString . }}
{{- if regexMatch "^[0-9]+ms$" $d }}
{{- $ms := trimSuffix "ms" $d | atoi }}
{{- div (add $ms 999) 1000 }}
{{- else if regexMatch "^[0-9]+s$" $d }}
{{- trimSuffix "s" $d | atoi }}
{{- else if regexMatch "^[0-9]+m$" $d }}
{{- mul (trimSuffix "m" $d | atoi) 60 }}
{{- else if regexMatch "^[0-9]+h$" $d }}
{{- mul (trimSuffix "h" $d | atoi) 3600 }}
{{- else }}
{{- fail (printf "config.shutdownTimeout %q: use a whole number with one unit (ms, s, m or h), e.g. 10s" $d) }}
{{- end }}
{{- end }}

{{/*
terminationGracePeriodSeconds: explicit value (checked to cover preStop +
SHUTDOWN_TIMEOUT) or preStop + SHUTDOWN_TIMEOUT + 5s.
*/}}
{{- define "k8s-cluster-agent.terminationGracePeriodSeconds" -}}
{{- $preStop := int .Values.lifecycle.preStopSleepSeconds }}
{{- $shutdown := include "k8s-cluster-agent.durationSeconds" .Values.config.shutdownTimeout | int }}
{{- $needed := add $preStop $shutdown }}
{{- if kindIs "invalid" .Values.terminationGracePeriodSeconds }}
{{- add $needed 5 }}
{{- else }}
{{- $tgp := int .Values.terminationGracePeriodSeconds }}
{{- if lt $tgp $needed }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be >= lifecycle.preStopSleepSeconds + config.shutdownTimeout (%d)" $tgp $needed) }}
{{- end }}
{{- $tgp }}
{{- end }}
{{- end }}

{{/*
Whether the workload has more than one pod to keep (for the PDB).
*/}}
{{- define "k8s-cluster-agent.pdbEnabled" -}}
{{- if and .Values.podDisruptionBudget.enabled (eq .Values.mode "deployment") (or .Values.autoscaling.enabled (gt (int .Values.replicas) 1)) -}}
true
{{- end }}
{{- end }}

{{/*
Worker processes per pod: config.workers when set, else 1 in daemonset mode (a single process) and 2 in
deployment mode.
*/}}
{{- define "k8s-cluster-agent.workers" -}}
{{- if .Values.config.workers -}}
{{- .Values.config.workers -}}
{{- else -}}
{{- ternary 1 2 (eq .Values.mode "daemonset") -}}
{{- end -}}
{{- end -}}
