package fileops_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	"github.com/bundlekit/bundlekit/fileops"
)

func ExampleHash() {
	sum, n, err := fileops.Hash(strings.NewReader("port=8080\n"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sum, n)
	// Output: 15d7b699ef445e8718486c1acea86b75 10
}

func ExampleDir_WriteFile() {
	tmp, err := os.MkdirTemp("", "deploy")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)

	d, err := fileops.OpenDir(tmp)
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()

	w, err := d.WriteFile(context.Background(), "conf/app.properties", strings.NewReader("port=8080\n"), 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(w.Hash, w.Size)

	_, err = d.WriteFile(context.Background(), "../escape.txt", strings.NewReader("no"), 0)
	fmt.Println(errors.Is(err, fileops.ErrUnsafePath))
	// Output:
	// 15d7b699ef445e8718486c1acea86b75 10
	// true
}

func ExampleOpenZip() {
	var buf bytes.Buffer
	err := fileops.WriteZip(&buf, []fileops.ZipFile{
		{Name: "bin", Dir: true, Mode: 0o755},
		{Name: "bin/start.sh", Mode: 0o755, Open: func() (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader("#!/bin/sh\n")), nil
		}},
	})
	if err != nil {
		log.Fatal(err)
	}

	a, err := fileops.OpenZip("app.zip", bytes.NewReader(buf.Bytes()), int64(buf.Len()), fileops.DefaultLimits)
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range a.Entries {
		fmt.Println(e.Name, e.Dir, e.Size, e.Mode)
	}
	// Output:
	// bin true 0 -rwxr-xr-x
	// bin/start.sh false 10 -rwxr-xr-x
}
