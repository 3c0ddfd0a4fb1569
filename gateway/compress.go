package gateway

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/adler32"
	"io"
	"sync"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zstd"
)

// transport is the compress= query parameter.
type transport uint8

const (
	transportNone transport = iota
	transportZlibStream
	transportZstdStream
)

func (t transport) String() string {
	switch t {
	case transportZlibStream:
		return "zlib-stream"
	case transportZstdStream:
		return "zstd-stream"
	}
	return "none"
}

// compressor turns one serialised gateway payload into the bytes of one binary WebSocket frame.
// It is owned by the connection's writer goroutine.
type compressor interface {
	compress(dst, p []byte) ([]byte, error)
	close()
}

func newCompressor(t transport) (compressor, error) {
	switch t {
	case transportZlibStream:
		return &zlibStream{}, nil
	case transportZstdStream:
		return newZstdStream()
	}
	return nil, nil
}

// zlibDictSize is how much recent plaintext a zlib-stream connection keeps. The deflate
// window may reach 32 KiB back, but klauspost's stateless encoder uses at most 8 KiB of
// dictionary; measured (performance.md §2a) this keeps ~90 % of a streaming writer's ratio at
// ~10 KB per connection instead of ~1 MB.
const zlibDictSize = 8 << 10

// zlibStream is Discord's zlib-stream: one RFC 1950 stream per connection, every payload a
// run of non-final deflate blocks ending in an empty stored block (the sync flush,
// 00 00 ff ff). Instead of a stateful flate.Writer per connection (~1 MB retained each,
// performance.md §2a), a pooled writer is reset with the connection's last 8 KiB of
// plaintext as dictionary for each payload. Back references into that dictionary point at
// bytes the client's inflater has already produced, so the output is one valid stream for any
// stock decoder, at ~10 KB per connection. The cost is CPU: the reset makes each payload
// ~20 µs instead of ~8 µs (see BenchmarkEncodeDispatch). The Adler-32 trailer never comes: the
// stream ends with the socket, as Discord's does.
type zlibStream struct {
	started bool
	hist    []byte
}

// appendWriter is an io.Writer that appends to a slice.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// flatePool holds deflate writers shared by all zlib-stream connections: a writer is only
// needed for the microseconds of one compress call, so the pool size tracks concurrent
// writers (about GOMAXPROCS), not connections.
var flatePool = sync.Pool{New: func() any {
	w, _ := flate.NewWriterDict(io.Discard, flate.BestSpeed, nil)
	return w
}}

func (z *zlibStream) compress(dst, p []byte) ([]byte, error) {
	w := &appendWriter{b: dst}
	if !z.started {
		// CMF 0x78: deflate, 32 KiB window. FLG 0x01: check bits, no dictionary, fastest.
		w.b = append(w.b, 0x78, 0x01)
		z.started = true
	}
	fw := flatePool.Get().(*flate.Writer)
	defer flatePool.Put(fw)
	// ResetDict: back references may reach into the last 8 KiB this client already inflated.
	// Flush (never Close) ends the payload with a sync flush, 00 00 ff ff.
	fw.ResetDict(w, z.hist)
	if _, err := fw.Write(p); err != nil {
		return nil, fmt.Errorf("zlib-stream: %w", err)
	}
	if err := fw.Flush(); err != nil {
		return nil, fmt.Errorf("zlib-stream: flush: %w", err)
	}
	z.remember(p)
	return w.b, nil
}

func (z *zlibStream) remember(p []byte) {
	if z.hist == nil {
		z.hist = make([]byte, 0, zlibDictSize)
	}
	if len(p) >= zlibDictSize {
		z.hist = append(z.hist[:0], p[len(p)-zlibDictSize:]...)
		return
	}
	if keep := zlibDictSize - len(p); len(z.hist) > keep {
		n := copy(z.hist, z.hist[len(z.hist)-keep:])
		z.hist = z.hist[:n]
	}
	z.hist = append(z.hist, p...)
}

func (z *zlibStream) close() { z.hist = nil }

// zstdStream is Discord's zstd-stream: one zstd frame for the connection's lifetime, each
// payload flushed as its own block run so the client can decode it as soon as it arrives. The
// options below trade ratio for memory: a 32 KiB window and the fastest level retain ~0.5 MB
// per connection where the defaults retain ~19 MB (performance.md §2a).
type zstdStream struct {
	buf bytes.Buffer
	enc *zstd.Encoder
}

func newZstdStream() (*zstdStream, error) {
	z := &zstdStream{}
	enc, err := zstd.NewWriter(&z.buf,
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithWindowSize(1<<15),
		zstd.WithEncoderConcurrency(1),
		zstd.WithLowerEncoderMem(true),
		zstd.WithEncoderCRC(false),
	)
	if err != nil {
		return nil, fmt.Errorf("zstd-stream: new encoder: %w", err)
	}
	z.enc = enc
	return z, nil
}

func (z *zstdStream) compress(dst, p []byte) ([]byte, error) {
	z.buf.Reset()
	if _, err := z.enc.Write(p); err != nil {
		return nil, fmt.Errorf("zstd-stream: write: %w", err)
	}
	if err := z.enc.Flush(); err != nil {
		return nil, fmt.Errorf("zstd-stream: flush: %w", err)
	}
	return append(dst, z.buf.Bytes()...), nil
}

func (z *zstdStream) close() {
	_ = z.enc.Close()
	z.buf = bytes.Buffer{}
}

// payloadCompressThreshold is the size above which a JSON payload is zlib-compressed on its
// own when the client asked for payload compression (Identify compress:true).
const payloadCompressThreshold = 1024

// compressPayload returns p as a complete, standalone zlib stream (header, final deflate
// block, Adler-32), which discordgo, arikawa and serenity inflate per binary frame.
func compressPayload(dst, p []byte) ([]byte, error) {
	w := &appendWriter{b: append(dst, 0x78, 0x01)}
	fw := flatePool.Get().(*flate.Writer)
	defer flatePool.Put(fw)
	fw.ResetDict(w, nil) // not Reset: that would reuse the last connection's dictionary
	if _, err := fw.Write(p); err != nil {
		return nil, fmt.Errorf("payload compression: %w", err)
	}
	if err := fw.Close(); err != nil {
		return nil, fmt.Errorf("payload compression: close: %w", err)
	}
	return binary.BigEndian.AppendUint32(w.b, adler32.Checksum(p)), nil
}
