package guilds

import "context"

// AuditReasonMax is the longest audit-log reason Discord keeps, in UTF-16 code units (what
// Discord and the libraries that check it count); the REST edge cuts longer ones to it.
const AuditReasonMax = 512

type auditReasonKey struct{}

// WithAuditReason returns ctx carrying the reason a moderator gave for the action the request
// performs (Discord's X-Audit-Log-Reason header). The REST edge sets it on the routes that
// accept the header, so domain methods can record it without every signature growing a
// parameter.
func WithAuditReason(ctx context.Context, reason string) context.Context {
	return context.WithValue(ctx, auditReasonKey{}, reason)
}

// AuditReason returns the reason WithAuditReason put in ctx, and whether there was one.
func AuditReason(ctx context.Context) (string, bool) {
	r, ok := ctx.Value(auditReasonKey{}).(string)
	return r, ok
}
