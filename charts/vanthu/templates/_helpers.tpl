{{/* The component's values: the `default:` block overlaid with its `services:` entry. */}}
{{- define "vanthu.component" -}}
{{- $entry := index .root.Values.services .name -}}
{{- toYaml (mustMergeOverwrite (deepCopy .root.Values.default) (deepCopy $entry)) -}}
{{- end -}}

{{- define "vanthu.fullname" -}}
{{ .root.Values.namePrefix }}-{{ .name }}
{{- end -}}

{{/* VANTHU_<NAME>_ prefix of a service's own settings (search-index -> SEARCH_INDEX). */}}
{{- define "vanthu.envName" -}}
{{ .name | upper | replace "-" "_" }}
{{- end -}}

{{/* The service's image: its entry's `image` (a full reference, as skaffold sets it), else registry/name:tag. */}}
{{- define "vanthu.image" -}}
{{- $entry := index .root.Values.services .name | default dict -}}
{{- if $entry.image -}}
{{ $entry.image }}
{{- else -}}
{{ .root.Values.image.registry }}/{{ .name }}:{{ .root.Values.image.tag | default .root.Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{- define "vanthu.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{- define "vanthu.labels" -}}
{{ include "vanthu.selectorLabels" . }}
app.kubernetes.io/part-of: vanthu
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ .root.Chart.Name }}-{{ .root.Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Every pod of the release (NetworkPolicies). */}}
{{- define "vanthu.releaseSelector" -}}
app.kubernetes.io/part-of: vanthu
app.kubernetes.io/instance: {{ .Release.Name }}
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
{{- range $key, $value := .Values.common.env }}
- {name: {{ $key }}, value: {{ $value | quote }}}
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

{{/* The database URL from its Secret. */}}
{{- define "vanthu.databaseEnv" -}}
- {name: VANTHU_{{ include "vanthu.envName" . }}_DATABASE_URL, valueFrom: {secretKeyRef: {name: {{ .c.database.secret }}, key: DATABASE_URL}}}
{{- end -}}

{{/* A probe's timing fields on one line (the probe's own map, e.g. {periodSeconds: 5, failureThreshold: 3}). */}}
{{- define "vanthu.probeTiming" -}}
{{- $parts := list -}}
{{- range $k, $v := . -}}
{{- $parts = append $parts (printf "%s: %v" $k $v) -}}
{{- end -}}
{{ join ", " $parts }}
{{- end -}}
