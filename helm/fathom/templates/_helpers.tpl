{{/* Labels shared by every object; the component label tells the parts apart. */}}
{{- define "fathom.labels" -}}
app.kubernetes.io/name: fathom
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/part-of: fathom
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Selector labels: stable across upgrades (no version). */}}
{{- define "fathom.selectorLabels" -}}
app.kubernetes.io/name: fathom
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "fathom.membershipRedis" -}}{{ .Release.Name }}-membership-redis{{- end -}}
{{- define "fathom.replay" -}}{{ .Release.Name }}-replay{{- end -}}

{{/* host:port of every replay shard, in shard order, comma separated (stable DNS names of the StatefulSet pods). */}}
{{- define "fathom.replayEndpoints" -}}
{{- $name := include "fathom.replay" . -}}
{{- $endpoints := list -}}
{{- range $i := until (int .Values.replay.shards) -}}
{{- $endpoints = append $endpoints (printf "%s-%d.%s.%s.svc.cluster.local:6379" $name $i $name $.Release.Namespace) -}}
{{- end -}}
{{- join "," $endpoints -}}
{{- end -}}

{{/* The Redis password from the Secret, as an env entry named by .envName. */}}
{{- define "fathom.redisPasswordEnv" -}}
- name: {{ .envName }}
  valueFrom:
    secretKeyRef:
      name: {{ .root.Values.redisAuth.secretName }}
      key: {{ .root.Values.redisAuth.secretKey }}
{{- end -}}

{{/* Pod and container security shared by all pods: non-root, no privilege escalation, read-only root. */}}
{{- define "fathom.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
fsGroup: {{ .uid }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "fathom.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/* One Redis container: password from the Secret, probes through redis-cli (REDISCLI_AUTH), data in /data. */}}
{{- define "fathom.redisContainer" -}}
- name: redis
  image: "{{ .root.Values.redisImage.repository }}:{{ .root.Values.redisImage.tag }}"
  imagePullPolicy: {{ .root.Values.redisImage.pullPolicy }}
  args:
    {{- toYaml .args | nindent 4 }}
  env:
    {{- include "fathom.redisPasswordEnv" (dict "root" .root "envName" "FATHOM_REDIS_PASSWORD") | nindent 4 }}
    {{- include "fathom.redisPasswordEnv" (dict "root" .root "envName" "REDISCLI_AUTH") | nindent 4 }}
  ports:
    - name: redis
      containerPort: 6379
  readinessProbe:
    exec:
      command: ["redis-cli", "ping"]
    periodSeconds: 5
    timeoutSeconds: 3
  livenessProbe:
    tcpSocket:
      port: redis
    initialDelaySeconds: 10
    periodSeconds: 10
  resources:
    {{- toYaml .resources | nindent 4 }}
  securityContext:
    {{- include "fathom.containerSecurityContext" . | nindent 4 }}
  volumeMounts:
    - name: data
      mountPath: /data
{{- end -}}
