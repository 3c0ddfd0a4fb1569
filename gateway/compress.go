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

	"github.com/parley-chat/parley/opcodes"
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

// zlibDictSize is how much recent plaintext a zlib-stream connection keeps and primes each
// payload's writer with (ResetDict keeps up to 32 KiB for the fast levels). It is the
// memory/ratio trade of zlib-stream, measured with parley-load s9 (docs/benchmarks.md):
// 8 KiB gave a ratio of 5.8-5.9, 12 KiB 6.03-6.07, 16 KiB 6.16-6.25 (performance.md §2a:
// 32 KiB 6.66 at ~18 KB and ~2x the CPU per payload). 12 KiB is the smallest that meets the
// 6.0 target; it costs 12 KiB of heap per connection that has received a dispatch.
const zlibDictSize = 12 << 10

// zlibStream is Discord's zlib-stream: one RFC 1950 stream per connection, every payload a
// run of non-final deflate blocks ending in an empty stored block (the sync flush,
// 00 00 ff ff). Instead of a stateful flate.Writer per connection (~1 MB retained each,
// performance.md §2a), a pooled writer is reset with the connection's last 12 KiB of
// plaintext as dictionary for each payload. Back references into that dictionary point at
// bytes the client's inflater has already produced, so the output is one valid stream for any
// stock decoder, at ~12 KB per connection. The cost is CPU: the reset makes each payload
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
	if len(p) <= maxStaticDeflate {
		if b, ok := staticDeflate[string(p)]; ok {
			z.remember(p)
			return append(w.b, b...), nil
		}
	}
	fw := flatePool.Get().(*flate.Writer)
	defer flatePool.Put(fw)
	// ResetDict: back references may reach into the last 12 KiB this client already inflated.
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

// staticDeflate holds, for the payloads every idle connection keeps receiving (the heartbeat
// ACK in each encoding), their deflate blocks plus sync flush as a fresh writer makes them. A
// run of blocks that refers to nothing before it is valid at any point of a stream after a
// sync flush, so these bytes are appended as they are, skipping the ResetDict of the whole
// history (most of an idle zlib-stream connection's CPU). The few bytes of ratio lost on a
// 35-byte payload do not matter.
var staticDeflate = func() map[string][]byte {
	m := make(map[string][]byte)
	for _, enc := range []encoding{encodingJSON, encodingETF} {
		d, err := dNull.data(enc)
		if err != nil {
			panic(err)
		}
		p := appendEnvelope(nil, enc, opcodes.HeartbeatAck, 0, "", d)
		w := &appendWriter{}
		fw, err := flate.NewWriter(w, flate.BestSpeed)
		if err != nil {
			panic(err)
		}
		if _, err := fw.Write(p); err != nil {
			panic(err)
		}
		if err := fw.Flush(); err != nil {
			panic(err)
		}
		m[string(p)] = w.b
	}
	return m
}()

// maxStaticDeflate bounds the payloads looked up in staticDeflate.
const maxStaticDeflate = 64

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
// options are the memory/ratio trade of zstd-stream, measured with parley-load s9: SpeedFastest
// with a 32 KiB window gave 6.3-6.4 (~0.5 MB per connection), SpeedDefault with 64 KiB 6.9,
// with 128 KiB 7.26, with 256 KiB (Discord's window log 18) 7.61-7.64, the only setting that
// meets the 7.5 target; performance.md §2a measured ~1.9 MB retained per connection for it
// (the library defaults, an 8 MB window, retain ~19 MB). Budget zstd-stream connections
// accordingly: at 1.9 MB each, 10,000 of them need ~19 GB.
type zstdStream struct {
	buf bytes.Buffer
	enc *zstd.Encoder
}

// zstdWindow is zstd-stream's window (see zstdStream).
const zstdWindow = 256 << 10

func newZstdStream() (*zstdStream, error) {
	z := &zstdStream{}
	enc, err := zstd.NewWriter(&z.buf,
		zstd.WithEncoderLevel(zstd.SpeedDefault),
		zstd.WithWindowSize(zstdWindow),
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
