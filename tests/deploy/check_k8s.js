// check_k8s.js - checks the output of `kubectl kustomize deploy/k8s...`
// SPDX-License-Identifier: MIT
//
// Usage: node check_k8s.js VARIANT FILE
//   VARIANT  full      deploy/k8s: the four services and the Redis
//                      StatefulSet
//            external  deploy/k8s/external-redis: the services, no Redis,
//                      REDIS_URL pointing elsewhere
//            consumers deploy/k8s with notifier.yaml and publisher.yaml
//            filled    deploy/k8s under an overlay that fills the Secret:
//                      as full, but the Secret must hold values
//   FILE     the multi-document YAML that kubectl kustomize printed
//
// Every document is validated against the JSON schema of its apiVersion
// and kind (kubernetes-models: the Kubernetes API's OpenAPI schemas,
// compiled with ajv); a kind it does not know is an error. Then the
// deployment's own rules (issue 13 item 4, docs/operations.md): a
// Deployment per service with readiness and liveness probes on /healthz
// port 9100, resources, a non-root read-only hardened security context,
// /tmp on an emptyDir, scrape annotations, the bus endpoints of the
// operations contract (4), Services for the bound endpoints, every
// ConfigMap, Secret and volume claim referenced exists, the Secret holds no
// value. Prints one line per failure and "FAIL: N problems", or "PASS: ..."
// lines; exits 1 on any failure, 2 on bad usage.
"use strict";

const fs = require("fs");
const path = require("path");
const YAML = require("yaml");

const NS = "devpulse";
const HTTP_PORT = 9100;
const NOBODY = 65534;

// Contract 4: the endpoints each service binds (@) or connects (>).
const SERVICES = {
    collector: {
        env: {
            DP_COLLECTOR_CTL: "@tcp://0.0.0.0:7100",
            DP_COLLECTOR_PUB: "@tcp://0.0.0.0:7101",
            DP_COLLECTOR_OUT: "@tcp://0.0.0.0:7102",
            DP_COLLECTOR_REPORTS: ">tcp://renderer:7401",
        },
        ports: [7100, 7101, 7102],
        secrets: ["REDIS_PASSWORD", "GITHUB_TOKEN", "GITHUB_TOKENS"],
    },
    classifier: {
        env: {
            DP_CLASSIFIER_IN: ">tcp://collector:7102",
            DP_CLASSIFIER_OUT: ">tcp://summarizer:7300",
            DP_CLASSIFIER_PUB: "@tcp://0.0.0.0:7201",
        },
        ports: [7201],
        secrets: [], // no Redis, no GitHub
    },
    summarizer: {
        env: {
            DP_SUMMARIZER_IN: "@tcp://0.0.0.0:7300",
            DP_SUMMARIZER_OUT: "@tcp://0.0.0.0:7302",
            DP_SUMMARIZER_PUB: "@tcp://0.0.0.0:7301",
        },
        ports: [7300, 7301, 7302],
        secrets: ["REDIS_PASSWORD", "LLM_API_KEY"],
    },
    renderer: {
        env: {
            DP_RENDERER_IN: ">tcp://summarizer:7302",
            DP_RENDERER_PUB: "@tcp://0.0.0.0:7401",
            DP_OUT_DIR: "/site",
        },
        ports: [7401],
        secrets: ["REDIS_PASSWORD"],
    },
};
const CONSUMERS = {
    notifier: {
        env: {DP_NOTIFIER_REPORTS: ">tcp://renderer:7401"},
        ports: [],
        secrets: ["REDIS_PASSWORD", "DP_SLACK_WEBHOOK_URL",
                  "DP_FEISHU_WEBHOOK_URL", "DP_FEISHU_SECRET"],
    },
    publisher: {
        env: {DP_PUBLISHER_REPORTS: ">tcp://renderer:7401"},
        ports: [],
        secrets: ["REDIS_PASSWORD"],
    },
};
// Every service on the bus gets the CurveZMQ keypair from the Secret; the
// secrets of each service above are the others it gets, and no more.
const COMMON_SECRETS = ["DP_CURVE_PUBLIC_KEY", "DP_CURVE_SECRET_KEY"];

const problems = [];
function fail(msg) { problems.push(msg); }
function pass(msg) { console.log("PASS: " + msg); }

// The model class of an apiVersion and kind, or null.
function modelOf(apiVersion, kind) {
    let mod;
    try {
        mod = require(path.posix.join("kubernetes-models", apiVersion));
    } catch (e) {
        return null;
    }
    return typeof mod[kind] === "function" ? mod[kind] : null;
}

// s_schema: every document against its kind's schema.
function checkSchemas(docs) {
    for (const d of docs) {
        const name = `${d.kind}/${d.metadata && d.metadata.name}`;
        const Model = d.apiVersion && d.kind ? modelOf(d.apiVersion, d.kind)
                                             : null;
        if (!Model) {
            fail(`${name}: no schema for ${d.apiVersion} ${d.kind}`);
            continue;
        }
        try {
            new Model(d).validate();
        } catch (e) {
            fail(`${name}: schema: ${e.message}`);
        }
    }
    pass(`${docs.length} documents checked against the schemas of their kinds`);
}

// v when it is an array, else [] (a malformed field is the schema
// check's to report, not a reason to stop).
function list(v) { return Array.isArray(v) ? v : []; }

function find(docs, kind, name) {
    return docs.find((d) => d.kind === kind && d.metadata.name === name);
}

// The value of env NAME in a container, following a configMapKeyRef or
// the envFrom ConfigMaps; undefined when unset.
function envValue(docs, c, name) {
    for (const e of c.env || []) {
        if (e.name !== name)
            continue;
        if (e.value !== undefined)
            return e.value;
        return {from: e.valueFrom};
    }
    for (const ef of c.envFrom || []) {
        const cm = ef.configMapRef && find(docs, "ConfigMap",
                                           ef.configMapRef.name);
        if (cm && cm.data && cm.data[name] !== undefined)
            return cm.data[name];
    }
    return undefined;
}

// The port number a probe's port (a number or a container port's name)
// stands for.
function portNumber(c, port) {
    if (typeof port === "number")
        return port;
    const p = (c.ports || []).find((x) => x.name === port);
    return p ? p.containerPort : undefined;
}

function checkProbe(who, c, kind) {
    const p = c[kind];
    if (!p || !p.httpGet) {
        fail(`${who}: no ${kind} with httpGet`);
        return;
    }
    if (p.httpGet.path !== "/healthz")
        fail(`${who}: ${kind} path is ${p.httpGet.path}, not /healthz`);
    if (portNumber(c, p.httpGet.port) !== HTTP_PORT)
        fail(`${who}: ${kind} port is not ${HTTP_PORT}`);
}

// Pod and container security settings of issue 13 item 4; uid: the user
// the container must run as.
function checkSecurity(who, pod, c, uid) {
    const ps = pod.securityContext || {};
    const cs = c.securityContext || {};
    const get = (k) => (cs[k] !== undefined ? cs[k] : ps[k]);
    if (get("runAsNonRoot") !== true)
        fail(`${who}: runAsNonRoot is not true`);
    if (get("runAsUser") !== uid)
        fail(`${who}: runAsUser is ${get("runAsUser")}, not ${uid}`);
    if (cs.allowPrivilegeEscalation !== false)
        fail(`${who}: allowPrivilegeEscalation is not false`);
    if (cs.readOnlyRootFilesystem !== true)
        fail(`${who}: readOnlyRootFilesystem is not true`);
    const drop = (cs.capabilities && cs.capabilities.drop) || [];
    if (!drop.includes("ALL"))
        fail(`${who}: capabilities do not drop ALL`);
    const sp = get("seccompProfile");
    if (!sp || sp.type !== "RuntimeDefault")
        fail(`${who}: seccompProfile is not RuntimeDefault`);
    if (pod.automountServiceAccountToken !== false)
        fail(`${who}: the service account token is mounted`);
}

function checkResources(who, c) {
    const r = c.resources || {};
    for (const k of ["requests", "limits"])
        for (const what of ["cpu", "memory"])
            if (!r[k] || !r[k][what])
                fail(`${who}: no resources.${k}.${what}`);
}

// A volume mounted at mountPath, or undefined.
function volumeAt(pod, c, mountPath) {
    const m = (c.volumeMounts || []).find((v) => v.mountPath === mountPath);
    return m && (pod.volumes || []).find((v) => v.name === m.name);
}

function checkService(docs, name, spec) {
    const dep = find(docs, "Deployment", name);
    if (!dep) {
        fail(`Deployment ${name} missing`);
        return;
    }
    const pod = dep.spec.template.spec;
    const c = pod.containers.find((x) => x.name === name);
    const who = `Deployment ${name}`;
    if (!c) {
        fail(`${who}: no container named ${name}`);
        return;
    }
    checkProbe(who, c, "readinessProbe");
    checkProbe(who, c, "livenessProbe");
    checkResources(who, c);
    checkSecurity(who, pod, c, NOBODY);
    const tmp = volumeAt(pod, c, "/tmp");
    if (!tmp || !tmp.emptyDir)
        fail(`${who}: /tmp is not an emptyDir`);
    const ann = dep.spec.template.metadata.annotations || {};
    if (ann["prometheus.io/scrape"] !== "true" ||
        ann["prometheus.io/port"] !== String(HTTP_PORT) ||
        ann["prometheus.io/path"] !== "/metrics")
        fail(`${who}: no prometheus.io scrape annotations for :9100/metrics`);
    if (envValue(docs, c, "DP_HTTP") !== `0.0.0.0:${HTTP_PORT}`)
        fail(`${who}: DP_HTTP is not 0.0.0.0:${HTTP_PORT}`);
    for (const [k, v] of Object.entries(spec.env))
        if (envValue(docs, c, k) !== v)
            fail(`${who}: ${k} is ${JSON.stringify(envValue(docs, c, k))}, ` +
                 `not ${v}`);
    const wanted = COMMON_SECRETS.concat(spec.secrets);
    for (const k of wanted) {
        const v = envValue(docs, c, k);
        if (!v || !v.from || !v.from.secretKeyRef)
            fail(`${who}: ${k} does not come from a Secret`);
    }
    // Least privilege: no other secret, by name or by key, and no Secret
    // poured whole into the environment.
    const extra = (c.env || [])
                      .filter((e) => e.valueFrom && e.valueFrom.secretKeyRef &&
                                     (!wanted.includes(e.name) ||
                                      e.valueFrom.secretKeyRef.key !== e.name))
                      .map((e) => e.valueFrom.secretKeyRef.key);
    if (extra.length)
        fail(`${who}: gets secrets it does not use: ${extra.join(", ")}`);
    if ((c.envFrom || []).some((ef) => ef.secretRef))
        fail(`${who}: takes a whole Secret (envFrom secretRef)`);
    if (envValue(docs, c, "REDIS_URL") === undefined)
        fail(`${who}: no REDIS_URL`);
    // The bound endpoints have a Service with those ports.
    if (spec.ports.length) {
        const svc = find(docs, "Service", name);
        const got = svc ? svc.spec.ports.map((p) => p.port) : [];
        for (const p of spec.ports)
            if (!got.includes(p))
                fail(`Service ${name}: no port ${p}`);
    }
    pass(`${who}: probes, resources, security context, endpoints`);
}

// Every ConfigMap, Secret and claim that a pod names exists (unless the
// reference is optional), and every Service selects some pods.
function checkReferences(docs, filled) {
    const pods = [];
    for (const d of docs)
        if (d.kind === "Deployment" || d.kind === "StatefulSet")
            pods.push([d, d.spec.template.spec]);
    for (const [d, pod] of pods) {
        const who = `${d.kind} ${d.metadata.name}`;
        const claims = list(d.spec.volumeClaimTemplates)
                           .map((t) => t.metadata.name);
        for (const v of pod.volumes || []) {
            if (v.configMap && !find(docs, "ConfigMap", v.configMap.name))
                fail(`${who}: ConfigMap ${v.configMap.name} missing`);
            if (v.secret && !find(docs, "Secret", v.secret.secretName))
                fail(`${who}: Secret ${v.secret.secretName} missing`);
            if (v.persistentVolumeClaim &&
                !find(docs, "PersistentVolumeClaim",
                      v.persistentVolumeClaim.claimName))
                fail(`${who}: claim ${v.persistentVolumeClaim.claimName} ` +
                     `missing`);
        }
        for (const c of pod.containers) {
            for (const m of c.volumeMounts || [])
                if (!(pod.volumes || []).some((v) => v.name === m.name) &&
                    !claims.includes(m.name))
                    fail(`${who}: volume ${m.name} is mounted, not defined`);
            for (const ef of c.envFrom || [])
                if (ef.configMapRef &&
                    !find(docs, "ConfigMap", ef.configMapRef.name))
                    fail(`${who}: ConfigMap ${ef.configMapRef.name} missing`);
            for (const e of c.env || []) {
                const ref = e.valueFrom && e.valueFrom.secretKeyRef;
                if (!ref || ref.optional)
                    continue;
                const s = find(docs, "Secret", ref.name);
                const keys = Object.keys(Object.assign(
                    {}, s && s.data, s && s.stringData));
                if (!keys.includes(ref.key))
                    fail(`${who}: Secret ${ref.name} has no key ${ref.key}`);
            }
        }
    }
    for (const s of docs.filter((d) => d.kind === "Service")) {
        const sel = s.spec.selector || {};
        const hit = pods.some(([d]) => {
            const l = d.spec.template.metadata.labels || {};
            return Object.entries(sel).every(([k, v]) => l[k] === v);
        });
        if (!hit)
            fail(`Service ${s.metadata.name}: selects no pod`);
    }
    for (const d of docs) {
        if (d.kind !== "Namespace" && d.metadata.namespace !== NS)
            fail(`${d.kind} ${d.metadata.name}: not in namespace ${NS}`);
        const l = d.metadata.labels || {};
        if (l["app.kubernetes.io/part-of"] !== "devpulse")
            fail(`${d.kind} ${d.metadata.name}: no part-of label`);
    }
    for (const s of docs.filter((d) => d.kind === "Secret")) {
        const vals = Object.values(Object.assign({}, s.data, s.stringData));
        if (!filled && vals.some((v) => v !== ""))
            fail(`Secret ${s.metadata.name}: holds a value (keep secrets ` +
                 `out of git)`);
        if (filled && !vals.some((v) => v !== ""))
            fail(`Secret ${s.metadata.name}: the overlay left it empty`);
    }
    pass("references, namespace, labels, " +
         (filled ? "a filled Secret" : "empty Secret placeholders"));
}

// Ingress to every pod of the deployment: from its own pods (this
// namespace, the part-of label), or to port 9100 only (probes,
// Prometheus); so the bus ports and Redis are closed to the rest of the
// cluster.
function checkNetworkPolicy(docs) {
    const pols = docs.filter((d) => d.kind === "NetworkPolicy" &&
                                    (d.spec.policyTypes || [])
                                        .includes("Ingress"));
    const ours = (sel) => ((sel && sel.matchLabels) ||
                           {})["app.kubernetes.io/part-of"] === "devpulse";
    const selects = (p, labels) =>
        Object.entries((p.spec.podSelector || {}).matchLabels || {})
            .every(([k, v]) => labels[k] === v);
    for (const p of pols)
        for (const rule of p.spec.ingress || []) {
            const own = (rule.from || []).length > 0 &&
                        rule.from.every((f) => ours(f.podSelector) &&
                                               !f.namespaceSelector &&
                                               !f.ipBlock);
            const http = (rule.ports || []).length > 0 &&
                         rule.ports.every((x) => x.port === HTTP_PORT);
            if (!own && !http)
                fail(`NetworkPolicy ${p.metadata.name}: an ingress rule ` +
                     `opens more than port ${HTTP_PORT} beyond devpulse`);
        }
    for (const d of docs)
        if ((d.kind === "Deployment" || d.kind === "StatefulSet") &&
            !pols.some((p) => selects(p, d.spec.template.metadata.labels ||
                                             {})))
            fail(`${d.kind} ${d.metadata.name}: no NetworkPolicy ` +
                 `restricts its ingress`);
    pass("NetworkPolicy: ingress from devpulse pods, and to :9100");
}

function checkRedis(docs) {
    const ss = find(docs, "StatefulSet", "redis");
    if (!ss) {
        fail("StatefulSet redis missing");
        return;
    }
    const pod = ss.spec.template.spec;
    const c = pod.containers[0];
    const who = "StatefulSet redis";
    const vct = list(ss.spec.volumeClaimTemplates);
    if (!vct.length)
        fail(`${who}: no volumeClaimTemplates`);
    const data = (c.volumeMounts || []).find((m) => m.mountPath === "/data");
    if (!data || !vct.some((t) => t.metadata.name === data.name))
        fail(`${who}: /data is not on its volumeClaimTemplate`);
    if (!c.readinessProbe || !c.livenessProbe)
        fail(`${who}: no readiness or liveness probe`);
    checkResources(who, c);
    checkSecurity(who, pod, c, 999);
    const svc = find(docs, "Service", "redis");
    if (!svc || !svc.spec.ports.some((p) => p.port === 6379))
        fail("Service redis: no port 6379");
    if (find(docs, "Service", ss.spec.serviceName) === undefined)
        fail(`${who}: its serviceName ${ss.spec.serviceName} is no Service`);
    pass(`${who}: volumeClaimTemplate, probes, resources, security context`);
}

function main() {
    const [variant, file] = process.argv.slice(2);
    if (!["full", "external", "consumers", "filled"].includes(variant) ||
        !file) {
        console.error(
            "usage: check_k8s.js full|external|consumers|filled FILE");
        process.exit(2);
    }
    const docs = YAML.parseAllDocuments(fs.readFileSync(file, "utf8"))
                     .map((d) => {
                         if (d.errors.length)
                             fail(`YAML: ${d.errors[0].message}`);
                         return d.toJS();
                     })
                     .filter((d) => d);
    if (!docs.length)
        fail("no documents");
    checkSchemas(docs);
    const services = Object.assign({}, SERVICES,
                                   variant === "consumers" ? CONSUMERS : {});
    // A check that stumbles on a malformed object is a failure, reported
    // with the rest.
    const guard = (what, f) => {
        try {
            f();
        } catch (e) {
            fail(`${what}: ${e.message}`);
        }
    };
    for (const [name, spec] of Object.entries(services))
        guard(`Deployment ${name}`, () => checkService(docs, name, spec));
    guard("references", () => checkReferences(docs, variant === "filled"));
    guard("NetworkPolicy", () => checkNetworkPolicy(docs));
    const renderer = find(docs, "Deployment", "renderer");
    if (renderer) {
        const pod = renderer.spec.template.spec;
        const site = volumeAt(pod, pod.containers[0], "/site");
        if (!site || !site.persistentVolumeClaim)
            fail("Deployment renderer: /site is not on a PersistentVolumeClaim");
    }
    // a generated ConfigMap's name carries a hash of its content
    const env = docs.find((d) => d.kind === "ConfigMap" &&
                                 /^devpulse-env(-[a-z0-9]{10})?$/.test(
                                     d.metadata.name));
    const url = env && env.data.REDIS_URL;
    if (variant === "external") {
        if (docs.some((d) => d.kind === "StatefulSet" ||
                             (d.metadata.name || "").startsWith("redis")))
            fail("external: the in-cluster Redis is still there");
        if (!url || url === "redis://redis:6379")
            fail(`external: REDIS_URL is ${url}`);
        else
            pass(`external: no in-cluster Redis, REDIS_URL ${url}`);
    } else {
        guard("StatefulSet redis", () => checkRedis(docs));
        if (url !== "redis://redis:6379")
            fail(`REDIS_URL is ${url}, not the redis Service`);
    }
    for (const p of problems)
        console.log("FAIL: " + p);
    if (problems.length) {
        console.log(`FAIL: ${problems.length} problems`);
        process.exit(1);
    }
    pass(`${variant}: ${docs.length} objects`);
}

main();
