#!/usr/bin/env node
// Tool `{{tool}}`: count the words, lines and characters of a text.
//
// Contract: one JSON object on stdin, one JSON object on stdout, diagnostics on
// stderr, a non-zero exit status on error.
// Example: echo '{"text": "hello world"}' | node scripts/{{tool}}.js
"use strict";

function measure(text) {
  const trimmed = text.trim();
  return {
    words: trimmed === "" ? 0 : trimmed.split(/\s+/).length,
    lines: text === "" ? 0 : text.replace(/\r?\n$/, "").split(/\r?\n/).length,
    characters: Array.from(text).length,
  };
}

const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", () => {
  let request;
  try {
    request = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (err) {
    process.stderr.write(`error: stdin is not valid JSON: ${err.message}\n`);
    process.exitCode = 1;
    return;
  }
  if (request === null || typeof request !== "object" || typeof request.text !== "string") {
    process.stderr.write('error: expected a JSON object like {"text": "..."}\n');
    process.exitCode = 2;
    return;
  }
  process.stdout.write(JSON.stringify(measure(request.text)) + "\n");
});
