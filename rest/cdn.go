package rest

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/snowflake"
)

// errInvalidAsset is the CDN's answer to a bad size or extension.
var errInvalidAsset = &apiError{Status: fiber.StatusBadRequest, Code: 0, Message: "400: Bad Request"}

// cdnRoutes serves Discord's CDN paths for every image and sound Parley stores, beside the
// API like /attachments (see guilds.Service.CDNAsset for formats and sizes):
//
//	GET /emojis/{emoji_id}.{png|jpg|jpeg|gif|webp}          ?size
//	GET /stickers/{sticker_id}.{png|gif|json}               ?size
//	GET /soundboard-sounds/{sound_id}
//	GET /avatars/{user_or_webhook_id}/{hash}.{ext}          ?size
//	GET /icons/{guild_id}/{hash}.{ext}                      ?size
//	GET /guild-events/{scheduled_event_id}/{hash}.{ext}     ?size
//
// Like Discord's CDN they need no authentication: the IDs and hashes are the capability.
// Hash URLs and ID URLs name content that never changes (a new avatar has a new hash, an
// emoji's image cannot be edited), so answers are cacheable for a year and immutable.
func (s *Server) cdnRoutes() {
	serve := func(c *fiber.Ctx, kind string, owner snowflake.ID, hash, ext string) error {
		size := 0
		if raw := c.Query("size"); raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil {
				return writeJSON(c, errInvalidAsset.Status, errInvalidAsset)
			}
			size = n
		}
		a, err := s.svc.CDNAsset(c.UserContext(), kind, owner, hash, ext, size)
		switch {
		case errors.Is(err, guilds.ErrUnknownAsset):
			return writeJSON(c, errNotFound.Status, errNotFound)
		case errors.Is(err, guilds.ErrInvalidAssetRequest):
			return writeJSON(c, errInvalidAsset.Status, errInvalidAsset)
		case err != nil:
			return s.fail(c, err)
		}
		c.Set(fiber.HeaderContentType, a.ContentType)
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
		c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; sandbox")
		return c.Send(a.Data)
	}
	// byID serves /{kind}/{id}[.{ext}].
	byID := func(kind string) fiber.Handler {
		return func(c *fiber.Ctx) error {
			name, ext, _ := strings.Cut(c.Params("file"), ".")
			id, err := parseSnowflake(name)
			if err != nil {
				return writeJSON(c, errNotFound.Status, errNotFound)
			}
			return serve(c, kind, id, "", strings.ToLower(ext))
		}
	}
	// byHash serves /{kind}/{owner}/{hash}.{ext}.
	byHash := func(kind string) fiber.Handler {
		return func(c *fiber.Ctx) error {
			owner, err := parseSnowflake(c.Params("owner"))
			hash, ext, _ := strings.Cut(c.Params("file"), ".")
			if err != nil || hash == "" {
				return writeJSON(c, errNotFound.Status, errNotFound)
			}
			return serve(c, kind, owner, strings.Clone(hash), strings.ToLower(ext))
		}
	}
	s.app.Get("/emojis/:file", byID(guilds.CDNEmojis))
	s.app.Get("/stickers/:file", byID(guilds.CDNStickers))
	s.app.Get("/soundboard-sounds/:file", byID(guilds.CDNSounds))
	s.app.Get("/avatars/:owner/:file", byHash(guilds.CDNAvatars))
	s.app.Get("/icons/:owner/:file", byHash(guilds.CDNIcons))
	s.app.Get("/guild-events/:owner/:file", byHash(guilds.CDNEventCovers))
}
