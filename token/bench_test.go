package token

import (
	"bytes"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// benchInputs are 4 MiB each: prose without tokens, settings with a token
// every 39 bytes on average (three in four known), and random bytes.
func benchInputs() []struct {
	name string
	data []byte
} {
	const size = 4 << 20
	line := "The quick brown fox jumps over the lazy dog; port=8080, dir=/opt/app.\n"
	prose := []byte(strings.Repeat(line, size/len(line)+1)[:size])

	var dense bytes.Buffer
	pieces := []string{"listen=@@a@@\n", "home=@@ rhq.deploy.dir @@/bin\n", "x=@@nope@@\n", "user.name = @@a.b@@;\n"}
	for i := 0; dense.Len() < size; i++ {
		dense.WriteString("setting number one: ")
		dense.WriteString(pieces[i%len(pieces)])
	}

	rng := rand.New(rand.NewPCG(5, 6))
	binary := make([]byte, size)
	for i := range binary {
		binary[i] = byte(rng.Uint32())
	}
	return []struct {
		name string
		data []byte
	}{
		{"token-free", prose},
		{"token-dense", dense.Bytes()},
		{"binary", binary},
	}
}

func BenchmarkRealize(b *testing.B) {
	for _, in := range benchInputs() {
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.data)))
			for b.Loop() {
				if _, err := Realize(io.Discard, bytes.NewReader(in.data), testValues); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReaderRead measures the io.Reader path, which copies the output
// once more than Realize does.
func BenchmarkReaderRead(b *testing.B) {
	buf := make([]byte, 32<<10)
	for _, in := range benchInputs() {
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.data)))
			for b.Loop() {
				r := NewReader(bytes.NewReader(in.data), testValues)
				for {
					_, err := r.Read(buf)
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
