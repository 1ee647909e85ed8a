package token_test

import (
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bundlekit/bundlekit/token"
)

func ExampleNewReader() {
	const conf = "port=@@ listener.port @@\r\n" +
		"home=@@rhq.deploy.dir@@/bin\r\n" +
		"kept=@@not.defined@@ and @@not-a-token@@, mail root@@@localhost\r\n"
	values := token.Map{"listener.port": "7080", "rhq.deploy.dir": `C:\apps\web`}

	r := token.NewReader(strings.NewReader(conf), values)
	out, err := io.ReadAll(r)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q\n", out)
	// Output:
	// "port=7080\r\nhome=C:\\apps\\web/bin\r\nkept=@@not.defined@@ and @@not-a-token@@, mail root@@@localhost\r\n"
}

// The hash of a realized file is the hash of the realized bytes; Realize
// computes it in the same pass that writes the file.
func ExampleRealize() {
	var file strings.Builder // an *os.File in a real deployment
	h := md5.New()
	n, err := token.Realize(io.MultiWriter(&file, h), strings.NewReader("host=@@h@@\n"), token.Map{"h": "db1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d bytes %q, md5 %x\n", n, file.String(), h.Sum(nil))
	// Output:
	// 9 bytes "host=db1\n", md5 bd06bf2e8a76aac78af88e7eeff62bc4
}

func ExampleValues() {
	recipe := token.Inputs{
		{Name: "listener.port", Type: token.TypeInteger, Required: true},
		{Name: "db.password", Type: token.TypePassword, Required: true},
		{Name: "log.level", Default: "INFO", HasDefault: true},
	}
	given := map[string]string{"listener.port": "7080", "db.password": "s3cret", "motd": "Welcome"}
	inputs, err := recipe.Resolve(given)
	if err != nil {
		fmt.Println(err)
		return
	}
	values := token.Values{
		System:     token.Map{"rhq.system.hostname": "web1"}, // token.Host() in a deployment
		Properties: given,
		Inputs:     inputs,
		Deployment: &token.Deployment{ID: 12, Name: "web tier", Dir: "/opt/web"},
	}
	const conf = "@@rhq.system.hostname@@:@@listener.port@@ @@log.level@@ @@motd@@ @@rhq.deploy.dir@@ #@@rhq.deploy.id@@\n"
	if _, err := token.Realize(os.Stdout, strings.NewReader(conf), values); err != nil {
		fmt.Println(err)
	}
	fmt.Println(recipe.Redact(inputs))
	// Output:
	// web1:7080 INFO Welcome /opt/web #12
	// map[db.password:******** listener.port:7080 log.level:INFO]
}

func ExampleInputs_Resolve() {
	recipe := token.Inputs{
		{Name: "listener.port", Description: "HTTP port", Type: token.TypeInteger, Required: true},
		{Name: "admin.email", Description: "Where alerts go", Required: true},
		{Name: "heap.mb", Type: token.TypeLong, Default: "512", HasDefault: true},
		{Name: "ratio", Type: token.TypeFloat},
	}
	_, err := recipe.Resolve(map[string]string{"heap.mb": "1g", "ratio": "0.75f"})

	var missing *token.MissingError
	if errors.As(err, &missing) {
		for _, in := range missing.Inputs {
			fmt.Println("missing:", in.Name)
		}
	}
	var invalid *token.InvalidError
	if errors.As(err, &invalid) {
		fmt.Println("invalid:", invalid.Name)
	}
	fmt.Println(err)
	// Output:
	// missing: listener.port
	// missing: admin.email
	// invalid: heap.mb
	// no value was specified for 2 required input properties, and none has a default: 'listener.port' (integer: HTTP port); 'admin.email' (string: Where alerts go)
	// '1g' is not a legal value for input property 'heap.mb', which has type 'long'
}

func ExampleHost() {
	values := token.Values{System: token.Host()}
	// Nothing about the host is gathered until a system token is looked up.
	hostname, _ := values.Lookup("rhq.system.hostname")
	fmt.Println(hostname != "")
	// Output: true
}
