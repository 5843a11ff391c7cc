{{/*
A silo Deployment and its PodDisruptionBudget for one role (collector or learner).
Orleans on Kubernetes: identity from the downward API, fixed silo and gateway ports, maxUnavailable 0,
and a grace period longer than the host's 120 s shutdown timeout.
*/}}
{{- define "fathom.silo" -}}
{{- $root := .root -}}
{{- $role := .role -}}
{{- $spec := .spec -}}
{{- $name := printf "%s-%s" $root.Release.Name $role -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "fathom.labels" (dict "root" $root "component" $role) | nindent 4 }}
spec:
  replicas: {{ $spec.replicas }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 1
  selector:
    matchLabels:
      {{- include "fathom.selectorLabels" (dict "root" $root "component" $role) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "fathom.labels" (dict "root" $root "component" $role) | nindent 8 }}
        fathom.io/silo: "true"
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ $root.Values.silo.metricsPort | quote }}
        prometheus.io/path: /metrics
    spec:
      serviceAccountName: {{ $root.Values.serviceAccount.name }}
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: {{ $root.Values.silo.terminationGracePeriodSeconds }}
      securityContext:
        {{- include "fathom.podSecurityContext" (dict "uid" 1654) | nindent 8 }}
      {{- with $spec.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $spec.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: silo
          image: "{{ $spec.image.repository }}:{{ $spec.image.tag }}"
          imagePullPolicy: {{ $spec.image.pullPolicy }}
          env:
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_IP
              valueFrom:
                fieldRef:
                  fieldPath: status.podIP
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
            - name: FATHOM_MODE
              value: kubernetes
            - name: FATHOM_ROLE
              value: {{ $role }}
            - name: FATHOM_DEVICE
              value: {{ $spec.device | default "auto" | quote }}
            - name: ORLEANS_SERVICE_ID
              value: {{ $root.Values.orleans.serviceId | quote }}
            - name: ORLEANS_CLUSTER_ID
              value: {{ $root.Values.orleans.clusterId | quote }}
            - name: FATHOM_MEMBERSHIP_REDIS
              value: "{{ include "fathom.membershipRedis" $root }}.{{ $root.Release.Namespace }}.svc.cluster.local:6379"
            - name: FATHOM_REPLAY_ENDPOINTS
              value: {{ include "fathom.replayEndpoints" $root | quote }}
            {{- include "fathom.redisPasswordEnv" (dict "root" $root "envName" "FATHOM_REDIS_PASSWORD") | nindent 12 }}
            {{- with $root.Values.otel.endpoint }}
            - name: OTEL_EXPORTER_OTLP_ENDPOINT
              value: {{ . | quote }}
            - name: OTEL_EXPORTER_OTLP_PROTOCOL
              value: {{ $root.Values.otel.protocol | quote }}
            {{- end }}
            - name: OTEL_SERVICE_NAME
              value: "fathom-{{ $role }}"
            - name: OTEL_RESOURCE_ATTRIBUTES
              value: "service.namespace=fathom,service.instance.id=$(POD_NAME),k8s.pod.name=$(POD_NAME),k8s.namespace.name=$(POD_NAMESPACE),fathom.role={{ $role }}{{ with $root.Values.otel.resourceAttributes }},{{ . }}{{ end }}"
            {{- with $root.Values.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          ports:
            - name: silo
              containerPort: {{ $root.Values.orleans.siloPort }}
            - name: gateway
              containerPort: {{ $root.Values.orleans.gatewayPort }}
            - name: http
              containerPort: {{ $root.Values.silo.httpPort }}
            - name: metrics
              containerPort: {{ $root.Values.silo.metricsPort }}
          startupProbe:
            httpGet:
              path: /healthz/live
              port: http
            periodSeconds: 5
            failureThreshold: {{ div $root.Values.silo.startupTimeoutSeconds 5 }}
          readinessProbe:
            httpGet:
              path: /healthz/ready
              port: http
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 3
          livenessProbe:
            httpGet:
              path: /healthz/live
              port: http
            periodSeconds: 10
            timeoutSeconds: 5
            failureThreshold: 6
          resources:
            {{- $resources := deepCopy $spec.resources }}
            {{- if and $spec.gpu $spec.gpu.enabled }}
            {{- $limits := default dict $resources.limits }}
            {{- $_ := set $limits $spec.gpu.resourceName $spec.gpu.count }}
            {{- $_ := set $resources "limits" $limits }}
            {{- end }}
            {{- toYaml $resources | nindent 12 }}
          securityContext:
            {{- include "fathom.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir: {}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "fathom.labels" (dict "root" $root "component" $role) | nindent 4 }}
spec:
  maxUnavailable: {{ $spec.pdb.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "fathom.selectorLabels" (dict "root" $root "component" $role) | nindent 6 }}
{{- end -}}
