package command_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/bundlekit/bundlekit/internal/command"
	"github.com/bundlekit/bundlekit/recipe"
)

func ExampleRun() {
	// The install command of a deployment.xml, run in the package directory.
	install := &recipe.OSType{Name: "LINUX86", StartCmd: "echo installed", Timeout: time.Minute, SuccessCodes: recipe.SuccessCodes{{Lo: 0, Hi: 0}}}
	res, err := command.Run(context.Background(), os.TempDir(), install, command.Options{})
	if err != nil {
		fmt.Println("could not run:", err)
		return
	}
	fmt.Println(res.ExitCode, res.Success, strings.TrimSpace(res.StdoutTail))
	// Output: 0 true installed
}
