// validate.js - validates GraphQL queries against GitHub's published schema
// SPDX-License-Identifier: MIT
//
// Reads one query from stdin; prints nothing and exits 0 when GitHub's
// schema (@octokit/graphql-schema) accepts it, otherwise prints one error
// per line and exits 1. With --serve, reads queries as JSON strings, one
// per line, and answers one JSON line each: {"errors": [...]} (empty when
// valid), so a caller pays node's start-up once.
"use strict";
const { buildSchema, parse, validate } = require("graphql");
const fs = require("fs");
const path = require("path");
const readline = require("readline");

/* The package is an ES module without a CommonJS entry: its IDL file is
 * read as it ships. The published IDL defines a few Enterprise fields
 * twice, which graphql's SDL check refuses; the schema is taken as GitHub
 * publishes it (the later definition stands), queries are still validated
 * in full. */
const idl = fs.readFileSync(
    path.join(__dirname, "node_modules/@octokit/graphql-schema/schema.graphql"),
    "utf8");
const built = buildSchema(idl, { assumeValidSDL: true });

function check(text) {
    let doc;
    try {
        doc = parse(text);
    } catch (e) {
        return [e.message];
    }
    return validate(built, doc).map((e) => e.message);
}

if (process.argv[2] === "--serve") {
    const rl = readline.createInterface({ input: process.stdin });
    rl.on("line", (line) => {
        let errors;
        try {
            errors = check(JSON.parse(line));
        } catch (e) {
            errors = ["not a JSON string: " + e.message];
        }
        process.stdout.write(JSON.stringify({ errors }) + "\n");
    });
} else {
    let text = "";
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (d) => (text += d));
    process.stdin.on("end", () => {
        const errors = check(text);
        for (const e of errors) process.stdout.write(e + "\n");
        process.exit(errors.length ? 1 : 0);
    });
}
