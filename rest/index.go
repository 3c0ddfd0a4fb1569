package rest

import (
	"html/template"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// docsBase is where the repository's documentation lives; the index links into it.
const docsBase = "https://github.com/parley-chat/parley/blob/main/"

// index describes the server to a person (or a script) who opened its address: which API it
// speaks, where the gateway is and where the documentation lives. Discord answers 404 on these
// paths; no bot library requests them, so a useful answer costs no compatibility.
type index struct {
	Name        string            `json:"name"`
	Description string            `json:"description"`
	APIVersion  int               `json:"api_version"`
	APIVersions []int             `json:"api_versions"`
	APIBase     string            `json:"api_base"`
	GatewayURL  string            `json:"gateway_url"`
	Docs        map[string]string `json:"docs"`
}

// indexRoutes: GET / (HTML for browsers, JSON otherwise) and GET /api, /api/v9, /api/v10
// (JSON). A later web client takes over GET /.
func (s *Server) indexRoutes() {
	describe := func(c *fiber.Ctx, version int) index {
		base := strings.TrimRight(s.cfg.PublicRESTURL, "/")
		if base == "" {
			base = c.BaseURL()
		}
		return index{
			Name:        "Parley",
			Description: "A Discord-compatible chat server: point a Discord bot library at api_base.",
			APIVersion:  version,
			APIVersions: []int{9, 10},
			APIBase:     base + "/api/v" + strconv.Itoa(version),
			GatewayURL:  s.cfg.PublicGatewayURL,
			Docs: map[string]string{
				"readme":        docsBase + "README.md",
				"rest_coverage": docsBase + "docs/rest-coverage.md",
				"compatibility": docsBase + "docs/compatibility.md",
				"deploy":        docsBase + "docs/deploy.md",
			},
		}
	}
	for path, v := range map[string]int{"/api": 10, "/api/v10": 10, "/api/v9": 9} {
		s.app.Get(path, func(c *fiber.Ctx) error { return writeJSON(c, fiber.StatusOK, describe(c, v)) })
	}
	s.app.Get("/", func(c *fiber.Ctx) error {
		d := describe(c, 10)
		if !strings.Contains(c.Get(fiber.HeaderAccept), "text/html") {
			return writeJSON(c, fiber.StatusOK, d)
		}
		var b strings.Builder
		if err := indexPage.Execute(&b, d); err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.SendString(b.String())
	})
}

var indexPage = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parley</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:2em auto">
<h1>Parley</h1>
<p>{{.Description}}</p>
<ul>
<li>REST API: <code>{{.APIBase}}</code> (versions 9 and 10)</li>
<li>Gateway: <code>{{.GatewayURL}}</code></li>
</ul>
<p>Documentation:
<a href="{{index .Docs "readme"}}">README</a> ·
<a href="{{index .Docs "rest_coverage"}}">implemented REST operations</a> ·
<a href="{{index .Docs "compatibility"}}">bot library compatibility</a> ·
<a href="{{index .Docs "deploy"}}">deployment</a></p>
</body></html>
`))
