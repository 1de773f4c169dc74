{{/* Names and labels. */}}

{{- define "kestrel.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kestrel.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "kestrel.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kestrel.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "kestrel.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "kestrel.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: sensor
{{- end -}}

{{- define "kestrel.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "kestrel.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "kestrel.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* Whether a sink is on: include "kestrel.sink" (list . "kafka") */}}
{{- define "kestrel.sink" -}}
{{- if has (index . 1) (index . 0).Values.sinks -}}true{{- end -}}
{{- end -}}

{{/* HOST:PORT for KESTREL_METRICS_ADDR; IPv6 hosts in brackets. */}}
{{- define "kestrel.metricsAddr" -}}
{{- if contains ":" .Values.metrics.bindAddress -}}
{{- printf "[%s]:%d" .Values.metrics.bindAddress (int .Values.metrics.port) -}}
{{- else -}}
{{- printf "%s:%d" .Values.metrics.bindAddress (int .Values.metrics.port) -}}
{{- end -}}
{{- end -}}

{{/*
SIGTERM budget for the sinks, in ms: the grace period minus a margin for
detaching and exiting (5 s, or half the period when it is 10 s or less).
*/}}
{{- define "kestrel.shutdownTimeoutMs" -}}
{{- if not (kindIs "invalid" .Values.shutdownTimeoutMs) -}}
{{- int .Values.shutdownTimeoutMs -}}
{{- else -}}
{{- $grace := int .Values.terminationGracePeriodSeconds -}}
{{- if gt $grace 10 -}}
{{- mul (sub $grace 5) 1000 -}}
{{- else -}}
{{- div (mul $grace 1000) 2 -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Values that are valid one by one but not together: fail with what to change. */}}
{{- define "kestrel.validate" -}}
{{- $v := .Values -}}
{{- if and (include "kestrel.sink" (list . "kafka")) (not $v.kafka.brokers) -}}
{{- fail "kafka.brokers: sinks has kafka, so give at least one broker (host:port)" -}}
{{- end -}}
{{- if and (include "kestrel.sink" (list . "kafka")) $v.kafka.sasl.mechanism (not $v.kafka.sasl.passwordSecret.name) -}}
{{- fail "kafka.sasl.passwordSecret.name: kafka.sasl.mechanism is set, so name the Secret holding the SASL password (the password itself is never a value)" -}}
{{- end -}}
{{- if and (include "kestrel.sink" (list . "kafka")) $v.kafka.sasl.mechanism (not $v.kafka.sasl.username) -}}
{{- fail "kafka.sasl.username: kafka.sasl.mechanism is set, so give the SASL user name" -}}
{{- end -}}
{{- if and (include "kestrel.sink" (list . "otlp")) (not $v.otlp.endpoint) -}}
{{- fail "otlp.endpoint: sinks has otlp, so give the collector's URL" -}}
{{- end -}}
{{- if and (not $v.defaultRules.enabled) (not $v.customRules) -}}
{{- fail "customRules: defaultRules.enabled is false, so give at least one rule file in customRules" -}}
{{- end -}}
{{- if and (not (kindIs "invalid" $v.shutdownTimeoutMs)) (ge (int $v.shutdownTimeoutMs) (mul (int $v.terminationGracePeriodSeconds) 1000)) -}}
{{- fail (printf "shutdownTimeoutMs: %d ms leaves no time to exit within terminationGracePeriodSeconds (%d s); make it smaller, or leave it unset to derive it" (int $v.shutdownTimeoutMs) (int $v.terminationGracePeriodSeconds)) -}}
{{- end -}}
{{- if and $v.serviceMonitor.enabled (not $v.metrics.enabled) -}}
{{- fail "serviceMonitor.enabled: needs metrics.enabled" -}}
{{- end -}}
{{- range $sink := list "kafka" "otlp" -}}
{{- $tls := (index $v $sink).tls -}}
{{- if and $tls.existingSecret (ne (empty $tls.certKey) (empty $tls.keyKey)) -}}
{{- fail (printf "%s.tls: a client certificate needs both certKey and keyKey (got certKey %q, keyKey %q)" $sink $tls.certKey $tls.keyKey) -}}
{{- end -}}
{{- end -}}
{{- end -}}
