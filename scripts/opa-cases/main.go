// Command compile-cases compiles OPA's own topdown test cases to Wasm, the way OPA's Wasm SDK
// end-to-end test does (internal/wasm/sdk/test/e2e/external_test.go in OPA's module), and writes
// one JSON object per line for scripts/opa-cases.ts to evaluate.
//
// The cases are read from OPA's Go module (v1/test/cases/testdata/{v0,v1}), never copied into
// this repository. OPA is Apache-2.0 licensed (LICENSE in the same module).
package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/test/cases"
	"github.com/open-policy-agent/opa/v1/types"
	"github.com/open-policy-agent/opa/v1/util"
)

type want struct {
	Defined     *bool             `json:"defined,omitempty"`
	Result      *[]map[string]any `json:"result,omitempty"`
	ErrorCode   *string           `json:"errorCode,omitempty"`
	Error       *string           `json:"error,omitempty"`
	SortBinding bool              `json:"sortBindings,omitempty"`
	StrictError bool              `json:"strictError,omitempty"`
}

type compiled struct {
	File         string            `json:"file"`
	Note         string            `json:"note"`
	Excepted     string            `json:"excepted,omitempty"`
	CompileError string            `json:"compileError,omitempty"`
	Wasm         string            `json:"wasm,omitempty"`
	Data         *map[string]any   `json:"data,omitempty"`
	Input        *string           `json:"input,omitempty"`
	Env          map[string]string `json:"env,omitempty"`
	Want         want              `json:"want"`
}

func main() {
	opaDir := flag.String("opa-dir", "", "directory of OPA's Go module (go mod download -json ...)")
	only := flag.String("only", "", "compile only the cases whose file or note contains this")
	flag.Parse()
	if *opaDir == "" {
		fmt.Fprintln(os.Stderr, "compile-cases: -opa-dir is required")
		os.Exit(2)
	}
	exceptions, err := loadExceptions(filepath.Join(*opaDir, "internal/wasm/sdk/test/e2e/exceptions.yaml"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "compile-cases:", err)
		os.Exit(1)
	}
	addTestSleepBuiltin()
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	root := filepath.Join(*opaDir, "v1/test/cases/testdata")
	// The same order and versions as TestWasmE2E.
	for _, version := range []string{"v0", "v1"} {
		regoVersion := map[string]ast.RegoVersion{"v0": ast.RegoV0, "v1": ast.RegoV1}[version]
		for _, tc := range cases.MustLoad(filepath.Join(root, version)).Sorted().Cases {
			rel, _ := filepath.Rel(root, tc.Filename)
			if *only != "" && !strings.Contains(rel, *only) && !strings.Contains(tc.Note, *only) {
				continue
			}
			c := compiled{File: rel, Note: tc.Note, Data: tc.Data, Env: tc.Env, Want: want{
				Defined: tc.WantDefined, Result: tc.WantResult, ErrorCode: tc.WantErrorCode, Error: tc.WantError,
				SortBinding: tc.SortBindings, StrictError: tc.StrictError,
			}}
			if reason, ok := exceptions[tc.Note]; ok {
				c.Excepted = reason
			} else {
				compileCase(&c, tc, regoVersion)
			}
			if err := enc.Encode(c); err != nil {
				fmt.Fprintln(os.Stderr, "compile-cases:", err)
				os.Exit(1)
			}
		}
	}
}

func compileCase(c *compiled, tc cases.TestCase, regoVersion ast.RegoVersion) {
	for k, v := range tc.Env {
		os.Setenv(k, v)
		defer os.Unsetenv(k)
	}
	caps := ast.CapabilitiesForThisVersion(ast.CapabilitiesExperimentalKeywords(tc.ExperimentalKeywords))
	opts := []func(*rego.Rego){rego.Query(tc.Query), rego.SetRegoVersion(regoVersion), rego.Capabilities(caps)}
	for i := range tc.Modules {
		opts = append(opts, rego.Module(fmt.Sprintf("module-%d.rego", i), tc.Modules[i]))
	}
	cr, err := rego.New(opts...).Compile(context.Background())
	if err != nil {
		c.CompileError = err.Error()
		return
	}
	c.Wasm = base64.StdEncoding.EncodeToString(cr.Bytes)
	// As the Go Wasm SDK passes it: a term's Rego text, or the JSON of a plain value.
	if tc.InputTerm != nil {
		s := ast.MustParseTerm(*tc.InputTerm).String()
		c.Input = &s
	} else if tc.Input != nil {
		bs, err := json.Marshal(*tc.Input)
		if err != nil {
			c.CompileError = "input: " + err.Error()
			return
		}
		s := string(bs)
		c.Input = &s
	}
}

// loadExceptions reads OPA's list of cases it skips on Wasm (note -> reason). Glob patterns are
// refused rather than silently matched differently from OPA's runner.
func loadExceptions(path string) (map[string]string, error) {
	bs, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	exceptions := map[string]string{}
	if err := util.Unmarshal(bs, &exceptions); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for note := range exceptions {
		if strings.Contains(note, "*") {
			return nil, fmt.Errorf("%s: glob pattern %q is not supported by this runner", path, note)
		}
	}
	return exceptions, nil
}

// addTestSleepBuiltin declares test.sleep as OPA's runner does, so the cases using it compile;
// scripts/opa-cases.ts supplies it to the Wasm host.
func addTestSleepBuiltin() {
	rego.RegisterBuiltin1(&rego.Function{
		Name: "test.sleep",
		Decl: types.NewFunction(types.Args(types.S), types.NewNull()),
	}, func(_ rego.BuiltinContext, _ *ast.Term) (*ast.Term, error) {
		return ast.NullTerm(), nil
	})
}
