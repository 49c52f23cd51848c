// Package sandbox is an AB2D-compatible bulk-export server for local runs
// and tests: `ab2d-etl sandbox`, `ab2d-etl run --sandbox` and the
// reliability suite talk to it instead of the real CMS service.
//
// It implements, with the status codes, headers and OperationOutcome texts of
// the real service (see reference/ab2d-api.md, sections 2 to 4 and 7):
//
//   - the Okta stand-in token endpoint POST /oauth2/aus2r7y3gdaFMKBol297/v1/token
//     (client credentials, HTTP Basic) for the five public sandbox clients
//     returned by [Clients];
//   - GET /api/{v1,v2,v3}/fhir/Patient/$export and, on v1 and v2,
//     …/Group/{contract}/$export (v1 is FHIR STU3, v2 FHIR R4, v3 FHIR R4
//     with the claims of BFD's v3 server), validated in the service's order;
//   - GET and DELETE …/Job/{id}/$status with progress, polling limit, the
//     completed-job manifest (checksums and uncompressed lengths) and
//     cancellation;
//   - GET …/Job/{id}/file/{name} with gzip negotiation, a per-file download
//     limit and expiry;
//   - the public GET /health, GET /status and GET /api/{v1,v2,v3}/fhir/metadata.
//
// v3 follows reference/ab2d-v3.md: every v3 call but metadata needs v3 on
// ([Config.V3Off]) and the caller's contract on the allow-list
// ([Config.V3Contracts], Z0001 to Z0010 by default; [Server.SetV3Access]
// changes both while serving), else 403 with an OperationOutcome; no Group
// export; a _since floor of 2026-04-01T00:00:00-05:00 and no default
// _since; _typeFilter=ExplanationOfBenefit?service-date=… ([ServiceDate]);
// job ids starting 33333333.
//
// The server does not invent claims: a [Source] streams the NDJSON lines of an
// export, and the server writes them, gzip-compressed, to files in a private
// temporary directory while the job "runs", rolling over at
// [Config.FileMaxBytes] and hashing as it writes, so memory does not grow with
// the export. A job completes when its files are written and
// [Config.JobDuration] has passed on [Config.Now]'s clock.
//
// Faults for reliability tests (errors, resets, truncation, slow bodies, bad
// checksums, expiring tokens, failing jobs, maintenance) are configured with
// [ParseFault]; [FaultHelp] documents the syntax.
//
// The server is meant for loopback only: [CheckListenAddr] refuses other
// listen addresses unless explicitly allowed. All sandbox secrets are the
// public ones from the AB2D getting-started walkthrough.
package sandbox
