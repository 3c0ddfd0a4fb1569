package rest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/snowflake"
)

// A route is one REST operation, declared in its area's file by op or do. Everything the
// server needs to serve it comes from the declaration: the method and Discord path template
// (which also name its rate-limit bucket), the OpenAPI operationId, who may call it, whether
// it takes X-Audit-Log-Reason, the success status, and the typed function that does the work.
type route struct {
	method string
	path   string // Discord's template: "/channels/{channel_id}/messages/{message_id}"
	// opID is the operationId in Discord's OpenAPI spec; "" for Parley's own operations.
	opID    string
	auth    authMode
	status  int  // 200, 201 or 204
	audit   bool // X-Audit-Log-Reason is read and handed to the domain
	uploads bool // multipart files go to the body's Files field
	remaps  []remap
	plan    *paramPlan
	// serve runs the operation on a parsed request; it is built by op or do.
	serve func(r *request, p reflect.Value) (any, error)
}

// remap answers a domain error with a route-specific answer (Discord's reaction routes answer
// an unknown emoji with 400, where the emoji routes answer 404).
type remap struct {
	from error
	to   *apiError
}

// call is what a route's function sees: the request's context (carrying the audit-log reason
// on audited routes) and the caller. It never sees Fiber: everything was parsed into the
// params already.
type call struct {
	ctx  context.Context
	user snowflake.ID // the caller; 0 on public routes
	// ident is the caller's whole identity (POST /auth/logout revokes its token family).
	ident guilds.Identity
}

// reason is the audit-log reason as the domain's ban/kick methods take it: nil when absent.
func (c *call) reason() *string {
	if r, ok := guilds.AuditReason(c.ctx); ok {
		return &r
	}
	return nil
}

// statusAnswer is a JSON answer whose status the domain decided: Create Application Command
// answers 201 for a new command and 200 when it updated one of the same name.
type statusAnswer struct {
	status int
	body   any
}

// rawAnswer is a non-JSON answer (GET widget.png): the bytes and their content type.
type rawAnswer struct {
	contentType string
	body        []byte
}

// none is the params of a route without path, query or body.
type none struct{}

// op declares an operation whose answer is fn's result as JSON, 200 unless .created(). A nil
// pointer result answers 204 (Execute Webhook without ?wait). spec is "METHOD /path/{param}";
// P is a struct whose tagged fields say where each value comes from (see paramPlan).
func op[P, R any](spec, opID string, mode authMode, fn func(c *call, p P) (R, error)) *route {
	rt := declare[P](spec, opID, mode, fiber.StatusOK)
	nilable := reflect.TypeFor[R]().Kind() == reflect.Pointer
	rt.serve = func(r *request, p reflect.Value) (any, error) {
		res, err := fn(r.call(), *p.Interface().(*P))
		if err != nil {
			return nil, err
		}
		if nilable && reflect.ValueOf(res).IsNil() {
			return nil, nil
		}
		return res, nil
	}
	return rt
}

// do declares an operation that answers 204 with no body.
func do[P any](spec, opID string, mode authMode, fn func(c *call, p P) error) *route {
	rt := declare[P](spec, opID, mode, fiber.StatusNoContent)
	rt.serve = func(r *request, p reflect.Value) (any, error) {
		return nil, fn(r.call(), *p.Interface().(*P))
	}
	return rt
}

func declare[P any](spec, opID string, mode authMode, status int) *route {
	method, path, ok := strings.Cut(spec, " ")
	if !ok || !strings.HasPrefix(path, "/") {
		panic(fmt.Sprintf("rest: route %q: want \"METHOD /path\"", spec))
	}
	plan, err := planParams(reflect.TypeFor[P](), path)
	if err != nil {
		panic(fmt.Sprintf("rest: route %s: %v", spec, err))
	}
	return &route{method: method, path: path, opID: opID, auth: mode, status: status, plan: plan}
}

// created makes a JSON answer 201.
func (rt *route) created() *route {
	rt.status = fiber.StatusCreated
	return rt
}

// audited makes the route read X-Audit-Log-Reason (URL-decoded, cut to AuditReasonMax) into
// the call's context, where guilds.AuditReason finds it.
func (rt *route) audited() *route {
	rt.audit = true
	return rt
}

// withUploads makes a multipart request's files fill the body's Files []guilds.File field.
func (rt *route) withUploads() *route {
	if rt.plan.files == nil {
		panic(fmt.Sprintf("rest: route %s %s: uploads need a body with a Files []guilds.File field", rt.method, rt.path))
	}
	rt.uploads = true
	return rt
}

// remapErr answers errors matching from with to on this route.
func (rt *route) remapErr(from error, to *apiError) *route {
	rt.remaps = append(rt.remaps, remap{from, to})
	return rt
}

// name is the route in logs and wrapped errors: its operationId, or the declaration.
func (rt *route) name() string {
	if rt.opID != "" {
		return rt.opID
	}
	return rt.method + " " + rt.path
}

// handler adapts the declaration to the server's handler: parse the params, carry the audit
// reason, call, map the error, write the declared status.
func (rt *route) handler() handler {
	name := rt.name()
	return func(r *request) error {
		p := reflect.New(rt.plan.typ)
		if err := rt.plan.fill(r, p.Elem(), rt.uploads); err != nil {
			return err
		}
		if rt.audit {
			if reason, ok := auditReason(r.c); ok {
				r.ctx = guilds.WithAuditReason(r.ctx, reason)
			}
		}
		res, err := rt.serve(r, p)
		if err != nil {
			for _, m := range rt.remaps {
				if errors.Is(err, m.from) {
					return m.to
				}
			}
			return fmt.Errorf("%s: %w", name, err)
		}
		if rt.status == fiber.StatusNoContent || res == nil {
			return r.noContent()
		}
		if a, ok := res.(statusAnswer); ok {
			return writeJSON(r.c, a.status, a.body)
		}
		if a, ok := res.(rawAnswer); ok {
			r.c.Status(rt.status)
			r.c.Set(fiber.HeaderContentType, a.contentType)
			r.c.Response().SetBody(a.body)
			return nil
		}
		return writeJSON(r.c, rt.status, res)
	}
}

func (r *request) call() *call {
	return &call{ctx: r.ctx, user: r.id.UserID, ident: r.id}
}

// auditReason is the URL-decoded X-Audit-Log-Reason header, cut to AuditReasonMax UTF-16 code
// units (never inside a surrogate pair), copied out of Fiber's buffer. Libraries URL-encode
// it; a value that does not decode is kept as sent.
func auditReason(c *fiber.Ctx) (string, bool) {
	raw := c.Get("X-Audit-Log-Reason")
	if raw == "" {
		return "", false
	}
	reason, err := url.PathUnescape(raw)
	if err != nil {
		reason = raw
	}
	units := 0
	for i, r := range reason {
		units += utf16.RuneLen(r)
		if units > guilds.AuditReasonMax {
			reason = reason[:i]
			break
		}
	}
	return strings.Clone(reason), true
}

// paramPlan says, for one params type, where each field comes from. It is built once per
// declaration, so a malformed params type fails at start-up, not on a request.
//
// Field tags:
//
//	path:"channel_id"        a path parameter: snowflake.ID (non-numeric: 50035; numeric but
//	                         impossible: the resource's unknown-X, or unknown:"member" to pick
//	                         another), string (URL-unescaped), or guilds.EmojiRef
//	query:"limit"            a query parameter: snowflake.ID, int (default, min, max tags),
//	                         bool, string, or *time.Time (ISO8601); required:"true" makes
//	                         absence a 50035 BASE_TYPE_REQUIRED
//	body:"json"              the JSON body (or a multipart body's payload_json)
//	form:"name"              a string field of a multipart body (Create Guild Sticker's
//	                         name, tags and description); "" when absent or not multipart
//
// Embedded structs are walked, so shared path structs (inChannel, inGuild) compose. Fields are
// parsed in declaration order and the first error answers.
type paramPlan struct {
	typ    reflect.Type
	fields []paramField
	files  []int // index of the body's Files []guilds.File field; nil if none
}

type paramField struct {
	index    []int
	name     string
	from     byte // 'p'ath, 'q'uery, 'b'ody, 'f'orm
	kind     paramKind
	unknown  error // path snowflakes
	def      int   // query ints
	min, max int
	required bool
}

type paramKind int

const (
	kindID paramKind = iota
	kindString
	kindInt
	kindBool
	kindTime
	kindEmoji
	kindBody
)

var (
	fileSliceType = reflect.TypeFor[[]guilds.File]()
	emojiRefType  = reflect.TypeFor[guilds.EmojiRef]()
	timePtrType   = reflect.TypeFor[*time.Time]()
)

// unknownByParam is the error a numeric but impossible ID answers, by path parameter name.
var unknownByParam = map[string]error{
	"application_id":                     guilds.ErrUnknownApplication,
	"channel_id":                         guilds.ErrUnknownChannel,
	"command_id":                         guilds.ErrUnknownCommand,
	"emoji_id":                           guilds.ErrUnknownEmoji,
	"exception_id":                       guilds.ErrUnknownScheduledEvent,
	"guild_scheduled_event_id":           guilds.ErrUnknownScheduledEvent,
	"guild_scheduled_event_exception_id": guilds.ErrUnknownScheduledEvent,
	"pack_id":                            guilds.ErrUnknownStickerPack,
	"sound_id":                           guilds.ErrUnknownSound,
	"sticker_id":                         guilds.ErrUnknownSticker,
	"guild_id":                           guilds.ErrUnknownGuild,
	"interaction_id":                     guilds.ErrUnknownInteraction,
	"message_id":                         guilds.ErrUnknownMessage,
	"overwrite_id":                       guilds.ErrUnknownRole,
	"rule_id":                            guilds.ErrUnknownAutoModRule,
	"role_id":                            guilds.ErrUnknownRole,
	"user_id":                            guilds.ErrUnknownUser,
	"webhook_id":                         guilds.ErrUnknownWebhook,
	"integration_id":                     guilds.ErrUnknownIntegration,
}

// unknownByTag is the unknown:"…" override.
var unknownByTag = map[string]error{
	"member": guilds.ErrUnknownMember,
	"user":   guilds.ErrUnknownUser,
}

func planParams(t reflect.Type, path string) (*paramPlan, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("params %s must be a struct", t)
	}
	plan := &paramPlan{typ: t}
	if err := plan.walk(t, nil); err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			want[seg[1:len(seg)-1]] = true
		}
	}
	bodies := 0
	for _, f := range plan.fields {
		switch f.from {
		case 'p':
			if !want[f.name] {
				return nil, fmt.Errorf("field for {%s}, which the path does not have", f.name)
			}
			delete(want, f.name)
		case 'b':
			bodies++
		}
	}
	if len(want) > 0 {
		return nil, fmt.Errorf("path parameters without a params field: %v", want)
	}
	if bodies > 1 {
		return nil, errors.New("more than one body field")
	}
	return plan, nil
}

func (plan *paramPlan) walk(t reflect.Type, prefix []int) error {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		index := append(slices.Clone(prefix), i)
		tag := sf.Tag
		name, from := "", byte(0)
		switch {
		case tag.Get("path") != "":
			name, from = tag.Get("path"), 'p'
		case tag.Get("query") != "":
			name, from = tag.Get("query"), 'q'
		case tag.Get("body") == "json":
			from = 'b'
		case tag.Get("form") != "":
			name, from = tag.Get("form"), 'f'
		case sf.Anonymous && sf.Type.Kind() == reflect.Struct:
			if err := plan.walk(sf.Type, index); err != nil {
				return err
			}
			continue
		default:
			return fmt.Errorf("field %s has no path, query or body tag", sf.Name)
		}
		f := paramField{index: index, name: name, from: from, required: tag.Get("required") == "true"}
		switch {
		case from == 'b':
			f.kind = kindBody
			if bt := sf.Type; bt.Kind() == reflect.Struct {
				if ff, ok := bt.FieldByName("Files"); ok && ff.Type == fileSliceType {
					plan.files = append(slices.Clone(index), ff.Index...)
				}
			}
		case sf.Type == reflect.TypeFor[snowflake.ID]():
			f.kind = kindID
			if from == 'p' {
				f.unknown = unknownByParam[name]
				if u := tag.Get("unknown"); u != "" {
					f.unknown = unknownByTag[u]
				}
				if f.unknown == nil {
					return fmt.Errorf("path parameter {%s} has no unknown-resource error", name)
				}
			}
		case sf.Type.Kind() == reflect.String:
			f.kind = kindString
		case from == 'f':
			return fmt.Errorf("form field %s must be a string", name)
		case sf.Type == emojiRefType && from == 'p':
			f.kind = kindEmoji
		case sf.Type.Kind() == reflect.Int && from == 'q':
			f.kind = kindInt
			var err error
			if f.def, err = strconv.Atoi(tag.Get("default")); err != nil {
				return fmt.Errorf("query int %s needs default", name)
			}
			if f.min, err = strconv.Atoi(tag.Get("min")); err != nil {
				return fmt.Errorf("query int %s needs min", name)
			}
			if f.max, err = strconv.Atoi(tag.Get("max")); err != nil {
				return fmt.Errorf("query int %s needs max", name)
			}
		case sf.Type.Kind() == reflect.Bool && from == 'q':
			f.kind = kindBool
		case sf.Type == timePtrType && from == 'q':
			f.kind = kindTime
		default:
			return fmt.Errorf("field %s: %s cannot come from %c", sf.Name, sf.Type, from)
		}
		plan.fields = append(plan.fields, f)
	}
	return nil
}

// fill parses the request into v (a params struct), in field order, then the uploads.
func (plan *paramPlan) fill(r *request, v reflect.Value, uploads bool) error {
	for i := range plan.fields {
		f := &plan.fields[i]
		fv := v.FieldByIndex(f.index)
		switch f.from {
		case 'p':
			if err := f.fillPath(r, fv); err != nil {
				return err
			}
		case 'q':
			if err := f.fillQuery(r, fv); err != nil {
				return err
			}
		case 'b':
			if err := r.decode(fv.Addr().Interface()); err != nil {
				return err
			}
		case 'f':
			fv.SetString(r.formValue(f.name))
		}
	}
	if uploads {
		files, err := r.files()
		if err != nil {
			return err
		}
		v.FieldByIndex(plan.files).Set(reflect.ValueOf(files))
	}
	return nil
}

func (f *paramField) fillPath(r *request, fv reflect.Value) error {
	switch f.kind {
	case kindID:
		id, err := r.pathID(f.name, f.unknown)
		if err != nil {
			return err
		}
		fv.SetUint(uint64(id))
	case kindString:
		fv.SetString(r.pathString(f.name))
	case kindEmoji:
		e, err := guilds.ParseEmoji(strings.Clone(r.c.Params(f.name)))
		if err != nil {
			return errUnknownEmojiReaction
		}
		fv.Set(reflect.ValueOf(e))
	}
	return nil
}

func (f *paramField) fillQuery(r *request, fv reflect.Value) error {
	if f.required && r.c.Query(f.name) == "" {
		return fieldError(f.name, "BASE_TYPE_REQUIRED", "This field is required")
	}
	switch f.kind {
	case kindID:
		id, err := r.queryID(f.name)
		if err != nil {
			return err
		}
		if f.required && id == 0 {
			return fieldError(f.name, "BASE_TYPE_REQUIRED", "This field is required")
		}
		fv.SetUint(uint64(id))
	case kindInt:
		n, err := r.queryInt(f.name, f.def, f.min, f.max)
		if err != nil {
			return err
		}
		fv.SetInt(int64(n))
	case kindBool:
		b, err := r.queryBool(f.name)
		if err != nil {
			return err
		}
		fv.SetBool(b)
	case kindString:
		fv.SetString(r.queryString(f.name))
	case kindTime:
		raw := r.c.Query(f.name)
		if raw == "" {
			return nil
		}
		t, err := time.Parse(time.RFC3339Nano, raw)
		if err != nil {
			return fieldError(f.name, "DATE_TYPE_PARSE", fmt.Sprintf("Could not parse %s. Should be ISO8601.", raw))
		}
		fv.Set(reflect.ValueOf(&t))
	}
	return nil
}

// required is the 50035 answer for a body field the domain cannot do without.
func required(field string) error {
	return fieldError(field, "BASE_TYPE_REQUIRED", "This field is required")
}

// Params shared by the areas. A route's own params embed these and add query or body fields.
type (
	inGuild struct {
		GuildID snowflake.ID `path:"guild_id"`
	}
	inChannel struct {
		ChannelID snowflake.ID `path:"channel_id"`
	}
	inMessage struct {
		ChannelID snowflake.ID `path:"channel_id"`
		MessageID snowflake.ID `path:"message_id"`
	}
	// withBody is a route's JSON body of type T.
	withBody[T any] struct {
		Body T `body:"json"`
	}
	guildBody[T any] struct {
		inGuild
		withBody[T]
	}
	channelBody[T any] struct {
		inChannel
		withBody[T]
	}
	messageBody[T any] struct {
		inMessage
		withBody[T]
	}
)

// staticFirst orders routes so that, at the first segment where two paths differ, a literal
// segment comes before a parameter: Fiber matches in registration order, so "/users/@me" must
// be registered before "/users/{user_id}" and ".../messages/pins" before
// ".../messages/{message_id}". Declarations can then be written in any order.
func staticFirst(rs []*route) {
	key := func(p string) []string {
		segs := strings.Split(p, "/")
		for i, s := range segs {
			if strings.HasPrefix(s, "{") {
				segs[i] = "\xff" // after every literal byte
			} else {
				segs[i] = "\x00" + s
			}
		}
		return segs
	}
	slices.SortStableFunc(rs, func(a, b *route) int {
		return slices.Compare(key(a.path), key(b.path))
	})
}
