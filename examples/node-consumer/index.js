#!/usr/bin/env node
// index.js - a devpulse consumer in Node.js: subscribes to the renderer's
// report tap and prints one line per report: its repository, window,
// revision, path and counts.
// SPDX-License-Identifier: MIT
//
// Usage: node index.js [SUBJECT] [--connect ENDPOINTS] [--count N]
//                      [--verbose]
//
//   SUBJECT     "report." (default: every report), "report.OWNER/" (every
//               repository of OWNER) or "report.OWNER/REPO" (that one
//               only). ZeroMQ matches subscriptions by prefix, so
//               "report.vllm-project/vllm" also delivers
//               "report.vllm-project/vllm-ascend": the subject is matched
//               whole here.
//   --connect   comma-separated endpoints (default: $DP_REPORTS, else
//               tcp://127.0.0.1:7401, the renderer's tap). A leading '>'
//               (devpulse's "connect" mark) is accepted. Add the
//               summarizer's tap (port 7301) to take the counts from its
//               DIGEST messages; otherwise they are read from the JSON
//               file the renderer writes beside each report, when this
//               host can read it.
//   --count N   exit after N reports (default: run until SIGINT/SIGTERM).
//   --verbose   say on stderr which reports were skipped: their subject
//               only starts with the one asked for.
//
// CurveZMQ: when the stack's bus uses it, give its deployment keypair
// exactly as the services take it: DP_CURVE_PUBLIC_KEY and
// DP_CURVE_SECRET_KEY, or DP_CURVE_KEY_FILE naming a file of
// "DP_CURVE_PUBLIC_KEY=..." and "DP_CURVE_SECRET_KEY=..." lines (devpulse
// keygen writes one; `devpulse up` keeps its own in STATE/curve.key).
//
// The wire format is proto/README.md: every tap message has two frames,
// [subject, payload]; the payload is one msgpack array
// [version, type, ...fields]; a one-frame message ("dp.welcome", sent by
// each publisher once a subscriber's connection is up) is not a message:
// it is counted and said on stderr ("connected (1 of 1)").
"use strict"

const fs = require("fs")
const zmq = require("zeromq")
const { decode } = require("@msgpack/msgpack")

const VERSION = 1
const DIGEST = 5
const REPORT = 6
const COUNTS = ["new_issues", "closed_issues", "new_prs", "merged_prs",
  "closed_prs"]
const WELCOME = "dp.welcome" // what a devpulse PUB sends each subscriber
const DIGESTS_KEPT = 1000 // counts of windows whose report is still to come

function usage(text) {
  process.stderr.write(`node-consumer: ${text}\n` +
    "usage: node index.js [SUBJECT] [--connect ENDPOINTS] [--count N] " +
    "[--verbose]\n")
  process.exit(2)
}

function parseArgs(argv) {
  const opts = {
    subject: "report.",
    endpoints: process.env.DP_REPORTS || "tcp://127.0.0.1:7401",
    count: 0,
    verbose: false,
  }
  let subjectSeen = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = () => {
      if (i + 1 >= argv.length) usage(`${arg}: missing value`)
      return argv[++i]
    }
    if (arg === "--connect") opts.endpoints = value()
    else if (arg === "--count") opts.count = Number(value())
    else if (arg === "--verbose") opts.verbose = true
    else if (arg.startsWith("--")) usage(`unknown option ${arg}`)
    else if (subjectSeen) usage(`one subject only, not also ${arg}`)
    else {
      opts.subject = arg
      subjectSeen = true
    }
  }
  if (!opts.subject.startsWith("report.")) {
    usage(`the subject starts with "report.", not ${opts.subject}`)
  }
  if (!Number.isInteger(opts.count) || opts.count < 0) {
    usage("--count takes a whole number")
  }
  opts.endpoints = opts.endpoints.split(",").map((e) => e.trim())
    .filter((e) => e).map((e) => e.replace(/^>/, ""))
  if (opts.endpoints.some((e) => e.startsWith("@"))) {
    usage("a consumer connects: give endpoints without '@'")
  }
  return opts
}

// The deployment keypair, from the environment or its key file; null when
// the bus has no CurveZMQ.
function curveKeys() {
  let pub = process.env.DP_CURVE_PUBLIC_KEY
  let sec = process.env.DP_CURVE_SECRET_KEY
  const file = process.env.DP_CURVE_KEY_FILE
  if (!pub && !sec && file) {
    for (const line of fs.readFileSync(file, "utf8").split(/\r?\n/)) {
      const m = /^\s*(DP_CURVE_PUBLIC_KEY|DP_CURVE_SECRET_KEY)=(\S+)/
        .exec(line)
      if (m && m[1] === "DP_CURVE_PUBLIC_KEY") pub = m[2]
      if (m && m[1] === "DP_CURVE_SECRET_KEY") sec = m[2]
    }
  }
  if (!pub && !sec) return null
  if (!pub || !sec || pub.length !== 40 || sec.length !== 40) {
    throw new Error("the CurveZMQ keys must both be 40-character Z85 keys")
  }
  return { pub, sec }
}

// True when a subject is one the consumer asked for: the same subject, or
// under a prefix that ends a name ("report." or "report.OWNER/").
function wanted(asked, subject) {
  if (asked.endsWith(".") || asked.endsWith("/")) {
    return subject.startsWith(asked)
  }
  return subject === asked
}

function windowKey(repo, from, to, revision) {
  return `${repo} ${from} ${to} ${revision}`
}

function iso(seconds) {
  return new Date(Number(seconds) * 1000).toISOString()
    .replace(/\.000Z$/, "Z")
}

// The counts of a report: from its DIGEST when one came, else from the
// JSON file beside it; null when neither can be had.
function countsOf(digests, key, path) {
  if (digests.has(key)) {
    const counts = digests.get(key)
    digests.delete(key)
    return counts
  }
  try {
    return JSON.parse(fs.readFileSync(`${path}.json`, "utf8")).counts || null
  } catch (error) {
    return null
  }
}

function formatCounts(counts) {
  if (!counts) return "counts unknown"
  return COUNTS.map((name) => `${name}=${counts[name]}`).join(" ")
}

async function main() {
  const opts = parseArgs(process.argv.slice(2))
  const keys = curveKeys()
  const sub = new zmq.Subscriber(keys
    ? {
        curveServerKey: keys.pub,
        curvePublicKey: keys.pub,
        curveSecretKey: keys.sec,
      }
    : {})
  for (const endpoint of opts.endpoints) sub.connect(endpoint)
  sub.subscribe(opts.subject)
  sub.subscribe("digest.") // for the counts, when a summarizer tap is given
  sub.subscribe(WELCOME) // each publisher's, once connected
  const stop = () => sub.close()
  process.on("SIGINT", stop)
  process.on("SIGTERM", stop)
  process.stderr.write(`node-consumer: ${opts.subject} at ` +
    `${opts.endpoints.join(",")}${keys ? " (CurveZMQ)" : ""}\n`)

  const digests = new Map()
  let reports = 0
  let welcomes = 0
  try {
    for await (const frames of sub) {
      if (frames.length !== 2) {
        // A publisher's welcome: its connection (and handshake) is up, so
        // nothing it publishes from now on is missed.
        if (frames.length === 1 && frames[0].toString() === WELCOME) {
          welcomes++
          process.stderr.write(`node-consumer: connected (${welcomes} of ` +
            `${opts.endpoints.length})\n`)
        }
        continue
      }
      const subject = frames[0].toString("utf8")
      let msg
      try {
        msg = decode(frames[1])
      } catch (error) {
        process.stderr.write(`node-consumer: ${subject}: bad frame\n`)
        continue
      }
      if (!Array.isArray(msg) || msg[0] !== VERSION) continue
      const [, type, repo, from, to, revision] = msg
      const key = windowKey(repo, from, to, revision)
      if (type === DIGEST) {
        const counts = JSON.parse(msg[8]).counts
        digests.set(key, counts)
        if (digests.size > DIGESTS_KEPT) {
          digests.delete(digests.keys().next().value)
        }
        continue
      }
      if (type !== REPORT) continue
      if (!wanted(opts.subject, subject)) {
        if (opts.verbose) {
          process.stderr.write(`node-consumer: skipped ${subject} ` +
            "(not the subject asked for)\n")
        }
        continue
      }
      const path = msg[7]
      process.stdout.write(`${repo} ${iso(from)}..${iso(to)} ` +
        `revision ${revision} ${path} ` +
        `${formatCounts(countsOf(digests, key, path))}\n`)
      reports++
      if (opts.count && reports >= opts.count) break
    }
  } finally {
    if (!sub.closed) sub.close()
  }
}

main().catch((error) => {
  process.stderr.write(`node-consumer: ${error.message}\n`)
  process.exit(1)
})
