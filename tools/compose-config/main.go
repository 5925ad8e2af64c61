// compose-config loads a Compose file the way `docker compose config` does: with compose-spec's
// own loader (github.com/compose-spec/compose-go, the library the docker compose CLI is built on),
// which checks the file against the Compose Specification's JSON schema, interpolates variables and
// normalises it. The docker CLI on our machines has no compose plugin, and compose itself cannot be
// `go install`ed (its go.mod carries exclude directives), so the test suite runs this instead
// (test/deploy/compose.test.ts).
//
//	compose-config docker-compose.yml   prints the normalised project; exit 1 with the reason if invalid
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-config <compose file>...")
		os.Exit(2)
	}
	opts, err := cli.NewProjectOptions(os.Args[1:], cli.WithOsEnv, cli.WithDotEnv)
	if err != nil {
		fail(err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	out, err := project.MarshalYAML()
	if err != nil {
		fail(err)
	}
	os.Stdout.Write(out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
