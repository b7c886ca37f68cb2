{{/*
Pod template shared by the Deployment and the DaemonSet.
*/}}
{{- define "k8s-cluster-agent.podTemplate" -}}
metadata:
  labels:
    {{- include "k8s-cluster-agent.selectorLabels" . | nindent 4 }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- if or .Values.podAnnotations .Values.metrics.prometheusAnnotations }}
  annotations:
    {{- if .Values.metrics.prometheusAnnotations }}
    prometheus.io/scrape: "true"
    prometheus.io/port: {{ .Values.config.port | quote }}
    prometheus.io/path: /metrics
    {{- end }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- end }}
spec:
  serviceAccountName: {{ include "k8s-cluster-agent.serviceAccountName" . }}
  automountServiceAccountToken: {{ .Values.serviceAccount.automountServiceAccountToken }}
  enableServiceLinks: false
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . | quote }}
  {{- end }}
  terminationGracePeriodSeconds: {{ include "k8s-cluster-agent.terminationGracePeriodSeconds" . }}
  {{- with .Values.podSecurityContext }}
  securityContext:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    - name: agent
      image: {{ include "k8s-cluster-agent.image" . | quote }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      {{- with .Values.extraArgs }}
      args:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      ports:
        - name: http
          containerPort: {{ .Values.config.port }}
          protocol: TCP
      env:
        - name: PORT
          value: {{ .Values.config.port | quote }}
        - name: WORKERS
          value: {{ include "k8s-cluster-agent.workers" . | quote }}
        - name: LOG_LEVEL
          value: {{ .Values.config.logLevel | quote }}
        - name: LOG_FORMAT
          value: {{ .Values.config.logFormat | quote }}
        - name: K8S_TIMEOUT
          value: {{ .Values.config.k8sTimeout | quote }}
        - name: READ_TIMEOUT
          value: {{ .Values.config.readTimeout | quote }}
        - name: WRITE_TIMEOUT
          value: {{ .Values.config.writeTimeout | quote }}
        - name: REQUEST_DEADLINE
          value: {{ .Values.config.requestDeadline | quote }}
        - name: POD_RESTART_THRESHOLD
          value: {{ .Values.config.podRestartThreshold | quote }}
        - name: CACHE_TTL
          value: {{ .Values.config.cacheTTL | quote }}
        - name: CACHE_MAX_ENTRIES
          value: {{ .Values.config.cacheMaxEntries | quote }}
        - name: CLUSTER_SOURCE
          value: {{ .Values.config.clusterSource | quote }}
        - name: AUTH_MODE
          value: {{ .Values.auth.mode | quote }}
        {{- with .Values.auth.cacheTTL }}
        - name: AUTH_CACHE_TTL
          value: {{ . | quote }}
        {{- end }}
        - name: REDACT_ENV_VALUES
          value: {{ .Values.config.redactEnvValues | quote }}
        - name: SHUTDOWN_TIMEOUT
          value: {{ .Values.config.shutdownTimeout | quote }}
        - name: PROMETHEUS_MULTIPROC_DIR
          value: {{ .Values.config.prometheusMultiprocDir | quote }}
        {{- if eq .Values.mode "daemonset" }}
        - name: NODE_NAME
          valueFrom:
            fieldRef:
              fieldPath: spec.nodeName
        {{- end }}
        {{- with .Values.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with .Values.startupProbe }}
      startupProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.livenessProbe }}
      livenessProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.readinessProbe }}
      readinessProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- $preStop := int .Values.lifecycle.preStopSleepSeconds }}
      {{- if gt $preStop 0 }}
      lifecycle:
        preStop:
          {{- if semverCompare ">=1.30-0" .Capabilities.KubeVersion.Version }}
          sleep:
            seconds: {{ $preStop }}
          {{- else }}
          exec:
            command: ["sleep", "{{ $preStop }}"]
          {{- end }}
      {{- end }}
      {{- with (ternary .Values.daemonset.resources .Values.resources (eq .Values.mode "daemonset")) }}
      resources:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.securityContext }}
      securityContext:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
        - name: metrics
          mountPath: {{ .Values.config.prometheusMultiprocDir }}
        {{- with .Values.extraVolumeMounts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
  volumes:
    - name: tmp
      {{- toYaml .Values.tmpVolume | nindent 6 }}
    - name: metrics
      {{- toYaml .Values.metricsVolume | nindent 6 }}
    {{- with .Values.extraVolumes }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- if or .Values.tolerations (eq .Values.mode "daemonset") }}
  tolerations:
    {{- if eq .Values.mode "daemonset" }}
    - key: node-role.kubernetes.io/control-plane
      operator: Exists
      effect: NoSchedule
    - key: node-role.kubernetes.io/master
      operator: Exists
      effect: NoSchedule
    {{- end }}
    {{- with .Values.tolerations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- end }}
  {{- if and .Values.topologySpreadConstraints (eq .Values.mode "deployment") }}
  topologySpreadConstraints:
    {{- range .Values.topologySpreadConstraints }}
    {{- $c := deepCopy . }}
    {{- if not (hasKey $c "labelSelector") }}
    {{- $_ := set $c "labelSelector" (dict "matchLabels" (include "k8s-cluster-agent.selectorLabels" $ | fromYaml)) }}
    {{- end }}
    {{- toYaml (list $c) | nindent 4 }}
    {{- end }}
  {{- end }}
{{- end }}
