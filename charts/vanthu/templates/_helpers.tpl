{{- define "vanthu.image" -}}
{{ .root.Values.image.registry }}/{{ .name }}:{{ .root.Values.image.tag | default .root.Chart.AppVersion }}
{{- end -}}

{{- define "vanthu.labels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/part-of: vanthu
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{- end -}}

{{/* Hardened pod and container security: non-root, read-only root fs, no capabilities. */}}
{{- define "vanthu.podSecurity" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  fsGroup: 10001
  seccompProfile: {type: RuntimeDefault}
{{- end -}}

{{- define "vanthu.containerSecurity" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities: {drop: ["ALL"]}
{{- end -}}

{{- define "vanthu.commonEnv" -}}
- {name: VANTHU_NATS_URL, value: {{ .Values.common.natsUrl | quote }}}
- {name: VANTHU_OIDC_ISSUER, value: {{ .Values.common.oidcIssuer | quote }}}
- {name: VANTHU_OIDC_AUDIENCE, value: {{ .Values.common.oidcAudience | quote }}}
- {name: VANTHU_LOG_LEVEL, value: {{ .Values.common.logLevel | quote }}}
- {name: MALLOC_ARENA_MAX, value: "2"}
{{- if .Values.common.otlpEndpoint }}
- {name: OTEL_EXPORTER_OTLP_ENDPOINT, value: {{ .Values.common.otlpEndpoint | quote }}}
{{- end }}
{{- end -}}

{{/* A service's own NATS user and password (natsSecrets), how long its outbox keeps published events, and how its
    consumers handle messages. */}}
{{- define "vanthu.natsEnv" -}}
- {name: VANTHU_NATS_USER, value: {{ .name | quote }}}
- {name: VANTHU_NATS_PASSWORD, valueFrom: {secretKeyRef: {name: {{ index .root.Values.natsSecrets .name }}, key: password}}}
- {name: VANTHU_OUTBOX_RETENTION_HOURS, value: {{ .root.Values.common.outboxRetentionHours | quote }}}
- {name: VANTHU_CONSUMER_CONCURRENCY, value: {{ .root.Values.common.consumers.concurrency | quote }}}
- {name: VANTHU_CONSUMER_MAX_DELIVER, value: {{ .root.Values.common.consumers.maxDeliver | quote }}}
- {name: VANTHU_CONSUMER_BACKOFF_S, value: {{ .root.Values.common.consumers.backoffSeconds | quote }}}
{{- end -}}
