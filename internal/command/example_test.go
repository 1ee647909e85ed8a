package command_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/bundlekit/bundlekit/internal/command"
)

func ExampleExec() {
	// An install command, run through the shell in the package directory;
	// exit codes 0 to 2 count as success.
	install := command.Spec{Shell: "echo installed", Dir: os.TempDir(), Timeout: time.Minute,
		Success: func(code int) bool { return code >= 0 && code <= 2 }}
	res, err := command.Exec(context.Background(), install, command.Options{})
	if err != nil {
		fmt.Println("could not run:", err)
		return
	}
	fmt.Println(res.ExitCode, res.Success, strings.TrimSpace(res.StdoutTail))
	// Output: 0 true installed
}
