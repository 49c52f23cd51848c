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
//   - GET /api/{v1,v2}/fhir/Patient/$export and …/Group/{contract}/$export
//     (v1 is FHIR STU3, v2 FHIR R4), validated in the service's order;
//   - GET and DELETE …/Job/{id}/$status with progress, polling limit, the
//     completed-job manifest (checksums and uncompressed lengths) and
//     cancellation;
//   - GET …/Job/{id}/file/{name} with gzip negotiation, a per-file download
//     limit and expiry;
//   - the public GET /health, GET /status and GET /api/{v1,v2}/fhir/metadata.
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
