package fileops_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/bundlekit/bundlekit/fileops"
)

var benchSizes = []int{1 << 20, 64 << 20}

// BenchmarkWriteFile measures a complete atomic replacement: temporary file,
// copy with MD5, fsync, rename.
func BenchmarkWriteFile(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			d := openTemp(b)
			data := bytes.Repeat([]byte("bundlekit "), size/10+1)[:size]
			ctx := context.Background()
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := d.WriteFile(ctx, "dir/file.bin", bytes.NewReader(data), 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkHash(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			data := bytes.Repeat([]byte("bundlekit "), size/10+1)[:size]
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, _, err := fileops.Hash(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
