package bytesize

import "testing"

func TestFormat(t *testing.T) {
	for n, want := range map[int64]string{
		0:         "0 B",
		1023:      "1023 B",
		1024:      "1 KiB",
		1536:      "1.5 KiB",
		3 << 20:   "3 MiB",
		718717056: "685.4 MiB",
		1 << 30:   "1 GiB",
		5 << 40:   "5 TiB",
		3 << 50:   "3 PiB",
		1 << 62:   "4096 PiB",
		-5:        "-5 B",
	} {
		if got := Format(n); got != want {
			t.Errorf("Format(%d) = %q, want %q", n, got, want)
		}
	}
}
