// Package compattests drives real Discord bot libraries (Go, JavaScript and
// Python) against a real parley server and checks that they work unchanged,
// with only their base-URL knobs. Everything lives in the _test.go files and
// the bots/, js/ and py/ programs; see README.md.
//
// This is a separate Go module so that the bot libraries never enter the
// server's go.mod. It talks to the server as a black box (raw JSON over
// HTTP and WebSocket) and imports nothing from github.com/parley-chat/parley.
package compattests
