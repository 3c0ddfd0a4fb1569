// Package rest is Parley's Discord-compatible HTTP API: a Fiber v2 app serving /api/v9,
// /api/v10 and unversioned /api (treated as v10) with Discord's JSON shapes, status codes, JSON
// error codes and rate-limit headers, on top of the guilds domain. Beside the API, outside
// those prefixes, it serves uploaded message files at Discord's CDN path shape,
// /attachments/{channel_id}/{attachment_id}/{filename} (attachments.go).
//
// The package never touches storage or the gateway. Handlers parse path, query and body at the
// edge (Fiber's values are only valid inside a handler, so everything kept is copied), call
// one Service method and serialise its opcodes result. Permissions and validation limits
// belong to the domain; this package maps the domain's errors to Discord's answers in one
// table (errors.go) and validates only what it parses itself (query parameters, JSON types).
//
// A Server is safe for concurrent use; its handlers run on Fiber's worker goroutines.
package rest
