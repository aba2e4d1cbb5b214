package docs

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// index is what the repository declares, for checking names in docs/.
type index struct {
	root string
	// files maps a slash path (zab/sync.go) to the names it declares:
	// funcs, types, consts, vars, methods as Recv.Method, struct fields as
	// Type.Field.
	files map[string]map[string]bool
	// pkgs maps a package name (zab, sim) to the names its non-test files
	// declare, over every directory with that name.
	pkgs map[string]map[string]bool
	// testDir maps a Test/Benchmark/Fuzz function to its directory.
	testDir map[string]string
}

// buildIndex parses every Go file under root (testdata and hidden
// directories excluded).
func buildIndex(root string) (*index, error) {
	idx := &index{root: root, files: map[string]map[string]bool{}, pkgs: map[string]map[string]bool{}, testDir: map[string]string{}}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		decls := declared(f)
		idx.files[rel] = decls
		if strings.HasSuffix(name, "_test.go") {
			for n := range decls {
				if testNameRE.MatchString(n) {
					idx.testDir[n] = filepath.Dir(filepath.FromSlash(rel))
				}
			}
			return nil
		}
		pkg := f.Name.Name
		if idx.pkgs[pkg] == nil {
			idx.pkgs[pkg] = map[string]bool{}
		}
		for n := range decls {
			idx.pkgs[pkg][n] = true
		}
		return nil
	})
	return idx, err
}

// declared lists the top-level names of a file.
func declared(f *ast.File) map[string]bool {
	out := map[string]bool{}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			out[d.Name.Name] = true
			if d.Recv != nil && len(d.Recv.List) > 0 {
				if r := recvName(d.Recv.List[0].Type); r != "" {
					out[r+"."+d.Name.Name] = true
				}
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					out[s.Name.Name] = true
					var fields *ast.FieldList
					switch t := s.Type.(type) {
					case *ast.StructType:
						fields = t.Fields
					case *ast.InterfaceType:
						fields = t.Methods // Type.Method for an interface's methods
					}
					if fields != nil {
						for _, fld := range fields.List {
							for _, n := range fld.Names {
								out[s.Name.Name+"."+n.Name] = true
							}
						}
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						out[n.Name] = true
					}
				}
			}
		}
	}
	return out
}

func recvName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return recvName(e.X)
	case *ast.Ident:
		return e.Name
	case *ast.IndexExpr:
		return recvName(e.X)
	}
	return ""
}

var (
	codeSpanRE = regexp.MustCompile("`([^`\n]+)`")
	fenceRE    = regexp.MustCompile("(?s)```.*?```")
	linkRE     = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	// zab/sync.go, tests/cmd/spacetime/, docs/glossary.md
	pathRE = regexp.MustCompile(`^[a-z][\w.-]*(/[\w.-]+)*(\.go|\.md|/)$`)
	// zab/sync.go:followerNewLeader or zab/learnerhandler.go:learnerHandler.match
	fileDeclRE = regexp.MustCompile(`^([a-z][\w.-]*(?:/[\w.-]+)*\.go):(\w+(?:\.\w+)?)$`)
	// zab.PlanSync, zab.Peer.Step, sim.World.Crash
	qualRE     = regexp.MustCompile(`^([a-z]\w*)\.([A-Z]\w*(?:\.\w+)?)$`)
	testNameRE = regexp.MustCompile(`^(Test|Benchmark|Fuzz)[A-Z]\w*$`)
)

// references returns the code spans of a page outside fenced blocks.
func references(text string) []string {
	text = fenceRE.ReplaceAllString(text, "")
	var out []string
	for _, m := range codeSpanRE.FindAllStringSubmatch(text, -1) {
		out = append(out, strings.TrimSpace(m[1]))
	}
	return out
}

// knownPackages are the package names a qualified reference may use.
var knownPackages = map[string]bool{
	"zab": true, "election": true, "log": true, "sim": true, "invariants": true,
	"zabstore": true, "node": true, "quorum": true, "kafka": true, "diagram": true, "workbench": true, "transcript": true,
}

// checkPage returns a line for every reference on the page that does not
// resolve. Code spans that look like none of the reference forms (a
// message name, a flag) are prose and not checked.
func checkPage(idx *index, page, text string) []string {
	var problems []string
	for _, r := range references(text) {
		if p := idx.check(r); p != "" {
			problems = append(problems, p)
		}
	}
	// Links: the file must exist in the repository, and an anchor on
	// the page it names (this page, for "#anchor").
	self := parsePage(text)
	links := newCiteChecker(idx.root)
	for _, m := range linkRE.FindAllStringSubmatch(fenceRE.ReplaceAllString(text, ""), -1) {
		target := m[1]
		if file, anchor, ok := strings.Cut(target, "#"); file == "" && ok {
			if !self.anchors[anchor] {
				problems = append(problems, fmt.Sprintf("link %q: this page has no anchor #%s", target, anchor))
			}
			continue
		}
		if p := links.checkLink("docs", "docs/"+page, target); p != "" {
			problems = append(problems, p)
		}
	}
	return problems
}

// check resolves one code span; "" when it resolves or is not a
// reference.
func (idx *index) check(r string) string {
	switch {
	case fileDeclRE.MatchString(r):
		m := fileDeclRE.FindStringSubmatch(r)
		decls, ok := idx.files[m[1]]
		if !ok {
			return fmt.Sprintf("%q: no file %s", r, m[1])
		}
		if !decls[m[2]] {
			return fmt.Sprintf("%q: %s declares no %s", r, m[1], m[2])
		}
	case pathRE.MatchString(r) && strings.Contains(r, "/"):
		if _, err := os.Stat(filepath.Join(idx.root, filepath.FromSlash(r))); err != nil {
			return fmt.Sprintf("%q: no such file or directory", r)
		}
	case qualRE.MatchString(r):
		m := qualRE.FindStringSubmatch(r)
		if !knownPackages[m[1]] {
			return "" // e.g. a file name like "results.json"
		}
		if !idx.pkgs[m[1]][m[2]] {
			return fmt.Sprintf("%q: package %s declares no %s", r, m[1], m[2])
		}
	case testNameRE.MatchString(r):
		if _, ok := idx.testDir[r]; !ok {
			return fmt.Sprintf("%q: no such test", r)
		}
	}
	return ""
}
