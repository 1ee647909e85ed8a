package command

import (
	"strings"
	"testing"
)

func TestTail(t *testing.T) {
	tests := []struct {
		name   string
		max    int
		writes []string
		want   string
	}{
		{"short", 8, []string{"ab", "cd"}, "abcd"},
		{"exactly max", 4, []string{"ab", "cd"}, "abcd"},
		{"keeps the last bytes", 4, []string{"abc", "def", "gh"}, "efgh"},
		{"one write larger than max", 3, []string{"abcdefg"}, "efg"},
		{"many small writes", 5, strings.Split("abcdefghijklmnopqrstuvwxyz", ""), "vwxyz"},
		{"cut character is dropped", 3, []string{"aé", "é"}, "é"},
		{"untruncated keeps everything", 3, []string{"é"}, "é"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := NewTail(tt.max)
			total := 0
			for _, w := range tt.writes {
				n, err := tl.Write([]byte(w))
				if n != len(w) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", w, n, err)
				}
				total += len(w)
			}
			if got := tl.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if tl.Total() != int64(total) {
				t.Errorf("Total() = %d, want %d", tl.Total(), total)
			}
		})
	}
}
