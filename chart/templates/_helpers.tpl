{{/* Chart name (app.kubernetes.io/name). */}}
{{- define "lxcfs.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Prefix of every resource name: the release name, plus "-lxcfs-k8s" unless the release name contains "lxcfs". */}}
{{- define "lxcfs.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "lxcfs.name" . -}}
{{- if contains "lxcfs" .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "lxcfs.daemon.fullname" -}}{{ include "lxcfs.fullname" . }}-daemon{{- end -}}
{{- define "lxcfs.webhook.fullname" -}}{{ include "lxcfs.fullname" . }}-webhook{{- end -}}
{{/* Secret with the serving certificate: generated (self-managed), cert-manager's, or the user's. */}}
{{- define "lxcfs.webhook.tlsSecretName" -}}
{{- if eq .Values.webhook.tls.mode "secret" -}}
{{- required "webhook.tls.secret.name is required when webhook.tls.mode is secret" .Values.webhook.tls.secret.name -}}
{{- else -}}
{{- include "lxcfs.webhook.fullname" . }}-tls
{{- end -}}
{{- end -}}

{{- define "lxcfs.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "lxcfs.labels" -}}
helm.sh/chart: {{ include "lxcfs.chart" . }}
app.kubernetes.io/name: {{ include "lxcfs.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: lxcfs-k8s
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of one component: include with (dict "root" $ "component" "daemon"). */}}
{{- define "lxcfs.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lxcfs.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "lxcfs.componentLabels" -}}
{{ include "lxcfs.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "lxcfs.daemon.image" -}}
{{- printf "%s:%s" .Values.daemon.image.repository (.Values.daemon.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- define "lxcfs.webhook.image" -}}
{{- printf "%s:%s" .Values.webhook.image.repository (.Values.webhook.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/* Namespaces never mutated: the release namespace, kube-system, kube-node-lease, then the user's. */}}
{{- define "lxcfs.webhook.excludedNamespaces" -}}
{{- $ns := list .Release.Namespace "kube-system" "kube-node-lease" -}}
{{- range .Values.webhook.excludedNamespaces -}}{{- $ns = append $ns . -}}{{- end -}}
{{- $ns | uniq | join "," -}}
{{- end -}}

{{/* The webhook reads/writes the TLS Secret through the API (self-managed, secret) */}}
{{- define "lxcfs.webhook.tlsViaApi" -}}
{{- if or (eq .Values.webhook.tls.mode "self-managed") (eq .Values.webhook.tls.mode "secret") -}}true{{- end -}}
{{- end -}}

{{- define "lxcfs.webhook.dnsNames" -}}
{{- $svc := include "lxcfs.webhook.fullname" . -}}
{{- $ns := .Release.Namespace -}}
- {{ $svc }}
- {{ $svc }}.{{ $ns }}
- {{ $svc }}.{{ $ns }}.svc
- {{ $svc }}.{{ $ns }}.svc.cluster.local
{{- end -}}
