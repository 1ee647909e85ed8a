package bundle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"runtime"
	"strings"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/command"
	"github.com/bundlekit/bundlekit/recipe"
)

// ServicePackageFile is the name of the IBM-style service-package descriptor, at
// the top of a bundle: install and uninstall commands (see recipe.ServicePackage).
const ServicePackageFile = "deployment.xml"

// openServicePackage reads deployment.xml, if the bundle has one.
func (b *Bundle) openServicePackage() error {
	f, err := b.fsys.Open(ServicePackageFile)
	if err != nil {
		return nil
	}
	defer f.Close()
	sp, err := recipe.ParseServicePackage(f)
	if err != nil {
		return err
	}
	b.Service = sp
	return nil
}

// servicePackageRecipe is the recipe of a bundle that has only deployment.xml:
// every file of the bundle deployed as it is, with full compliance. Its name is
// the bundle's base name and its version a digest of the content, so two
// different packages never look like the same version.
func servicePackageRecipe(b *Bundle) (*recipe.Recipe, error) {
	name := strings.TrimSuffix(path.Base(strings.ReplaceAll(b.Source, `\`, "/")), ".zip")
	sum := sha256.New()
	for _, f := range b.Files {
		rc, err := b.fsys.Open(f)
		if err != nil {
			return nil, err
		}
		h, _, err := fileops.Hash(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("hash %s: %w", f, err)
		}
		fmt.Fprintf(sum, "%s\x00%s\n", f, h)
	}
	return recipe.New(recipe.Spec{
		Project:     "service-package",
		Name:        name,
		Version:     "sha256-" + hex.EncodeToString(sum.Sum(nil))[:12],
		Description: "service package (deployment.xml)",
		Unit:        "service-package",
		Compliance:  recipe.Full,
		Files:       b.Files,
	}, recipe.WithFile(ServicePackageFile+" (generated recipe)"))
}

// CommandError is a deployment.xml command that did not succeed.
type CommandError struct {
	Result CommandResult
	// Uninstall is the uninstall command run after a failed install, if any.
	Uninstall *CommandResult
}

func (e *CommandError) Error() string {
	r := e.Result
	what := fmt.Sprintf("exited with %d", r.ExitCode)
	if r.TimedOut {
		what = fmt.Sprintf("did not finish within its timeout (%s) and was killed", r.Duration.Round(1e9))
	}
	msg := fmt.Sprintf("the %s command %q %s", r.Phase, r.Command, what)
	if tail := strings.TrimSpace(r.StderrTail); tail != "" {
		msg += ": " + lastLine(tail)
	}
	if e.Uninstall != nil {
		msg += fmt.Sprintf("; the uninstall command ran (exit %d)", e.Uninstall.ExitCode)
	}
	if r.Phase == "install" {
		msg += "; the deployment was rolled back"
	}
	return msg
}

func lastLine(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// runServiceCommand runs the install or uninstall command of sp for this host's OS
// type in dir (seed: deployment.xml). No command for this OS type: nothing runs.
func runServiceCommand(ctx context.Context, sp *recipe.ServicePackage, phase, dir string, emit func(Event)) (*CommandResult, error) {
	cmds := sp.Install
	if phase == "uninstall" {
		cmds = sp.Uninstall
	}
	osType := recipe.OSTypeFor(runtime.GOOS)
	ot := cmds.For(osType)
	if ot == nil {
		return nil, nil
	}
	timeout := ot.Timeout
	if timeout <= 0 {
		timeout = recipe.DefaultTimeout
	}
	spec := command.Spec{Shell: ot.StartCmd, Dir: dir, Timeout: timeout, Success: ot.SuccessCodes.Success}
	r, err := command.Exec(ctx, spec, command.Options{})
	if err != nil {
		return nil, fmt.Errorf("run the %s command %q: %w", phase, ot.StartCmd, err)
	}
	res := commandResult(phase, ot.StartCmd, osType, r)
	if emit != nil {
		emit(Event{Type: EventCommand, Command: &res})
	}
	return &res, nil
}
