package docs

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// A citation in this repository must be one a reader of the repository
// can follow (docs/README.md, "How the code cites", states the forms):
//
//   - a page of docs/, with an anchor or a quoted heading that exists;
//   - one of the three papers, with a part of it named as the paper
//     names it;
//   - a ZooKeeper ticket, written out in full;
//   - a source file, class or method of ZooKeeper, Maelstrom, Jepsen or
//     etcd raft (not resolved here: those repositories are not at hand).
//
// Nothing may cite a document outside the repository. The patterns of
// forbiddenCitations are the ways the project's private notes used to be
// cited; each is spelled so that this file does not match it itself.

// forbiddenCitation is a pattern no file of the repository may contain.
type forbiddenCitation struct {
	re   *regexp.Regexp
	what string
}

var forbiddenCitations = []forbiddenCitation{
	{regexp.MustCompile(`zab-referenc[e]`), "a private protocol reference"},
	{regexp.MustCompile(`design\.m[d]`), "a private design note"},
	{regexp.MustCompile(`SPEC issu[e]`), "the TLA+ issues by a private number"},
	{regexp.MustCompile(`maelstrom-kafka-spe[c]`), "a private Maelstrom specification"},
	{regexp.MustCompile(`style-anchor[s]`), "a private style guide"},
	{regexp.MustCompile(`\bdecisio[n] \d+`), "a numbered decision of a private note"},
	{regexp.MustCompile(`\b[DB]\d{1,2}\b`), "a durability rule or bug by a private number"},
	{regexp.MustCompile(`issue #\d+`), "an issue of a tracker readers do not have"},
	{regexp.MustCompile(`/wor[k]/`), "a path on the build machine"},
	{regexp.MustCompile(`share[d]/`), "a shared folder outside the repository"},
}

// forbiddenInComments are numbered sections of documents that are not in
// the repository; they are checked in comments only.
var forbiddenInComments = []forbiddenCitation{
	{regexp.MustCompile(`(?i)\bspe[c](?:\s|//|#)+\d`), "a section of an outside specification"},
	{regexp.MustCompile(`(?i)\bscenarios?(?:\s|//|#)+\d+`), "a scenario by a private number (name the test instead)"},
	{regexp.MustCompile(`(?i)\bpropert(?:y|ies)(?:\s|//|#)+\d`), "a property by number (the paper names its properties)"},
}

// forbiddenIn returns a problem for every forbidden pattern in the whole
// text of a file, each as "file:line: ...".
func forbiddenIn(file, text string, list []forbiddenCitation) []string {
	var out []string
	for _, f := range list {
		for _, loc := range f.re.FindAllStringIndex(text, -1) {
			out = append(out, fmt.Sprintf("%s:%d: %q cites %s", file, lineAt(text, loc[0]), text[loc[0]:loc[1]], f.what))
		}
	}
	return out
}

// lineAt is the 1-based line of offset off in text.
func lineAt(text string, off int) int { return 1 + strings.Count(text[:off], "\n") }

// papers are the papers a citation may name, each with the parts of it
// a citation may name in quotes after it: its phases and, for DSN 2011,
// its properties.
var papers = map[string][]string{
	"R&J 2008":      {"Requirements", "Protocol"},
	"DSN 2011":      {"Phase 1", "Phase 2", "Phase 3", "Integrity", "Total order", "Agreement", "Local primary order", "Global primary order", "Primary integrity"},
	"Medeiros 2012": {"Phase 0", "Phase 1", "Phase 2", "Phase 3"},
}

var (
	// Any author-year or venue-year form of the three papers, right or
	// wrong (a two-digit year, brackets, another year): papers holds the
	// right ones.
	// A citation may wrap onto the next comment line between name and year.
	paperRE = regexp.MustCompile(`(\[?)\b(R&J|DSN|Medeiros|Med)([\s/#'’]*)(\d{2,4})\b(\]?)`)
	// what may follow a paper: a quoted part, or a section number
	partRE    = regexp.MustCompile(`^,\s*"([^"]+)"`)
	sectionRE = regexp.MustCompile(`^,?\s*(?:§|[Ss]ections?\s*\d|[Ss]ec\.\s*\d)`)

	// ZOOKEEPER-1154; whatever follows the project's name (or its short
	// form) and a hyphen or space is checked against jiraGoodRE
	jiraRE      = regexp.MustCompile(`\b(?:ZOOKEEPER|ZK)[- ]\S*`)
	jiraGoodRE  = regexp.MustCompile(`^ZOOKEEPER-[1-9]\d{0,4}(?:[^\w-]|$)`)
	jiraShortRE = regexp.MustCompile(`ZOOKEEPER-\d+(?:\s*(?:/|->|→|,|and|or)\s*-\d+)+`)

	// docs/safety.md, docs/rules.md#durability, then maybe a quoted title
	docsRefRE = regexp.MustCompile(`\bdocs/([\w.-]+\.md)(#[\w-]+)?`)
	titleRE   = regexp.MustCompile(`^,?\s*\(?"([^"]+)"`)
	// a markdown file named in a comment, such as tests/workbench/README.md
	mdTokenRE = regexp.MustCompile("(?:^|[\\s(\\[\"'`])((?:[\\w.-]+/)*[\\w.-]+\\.md)\\b")
	// markdown links and headings
	mdLinkRE    = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	headingRE   = regexp.MustCompile(`(?m)^#{1,6}\s+(.+?)\s*#*\s*$`)
	boldRE      = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	htmlAnchorR = regexp.MustCompile(`<a\s+(?:id|name)="([^"]+)"`)
)

// externalPrefixes start the paths of files in the public repositories a
// comment may cite by path (Maelstrom, ZooKeeper, Jepsen).
var externalPrefixes = []string{"doc/", "src/maelstrom/", "resources/", "demo/go/", "jepsen/", "zookeeper-"}

// A passage is text that may cite: a Go comment group, the comment lines
// of a transcript, or a markdown file (code fences blanked).
type passage struct {
	file string // slash path from the repository root
	line int    // line of the passage's first line
	text string
	page bool // a markdown file rather than a comment
}

// citeChecker resolves citations against one checkout of the repository.
type citeChecker struct {
	root  string
	pages map[string]*pageInfo // slash path -> its anchors and titles
}

// pageInfo is what a markdown page offers to a citation.
type pageInfo struct {
	anchors map[string]bool // GitHub's heading anchors and <a id> anchors
	titles  map[string]bool // headings and bold entries, normalised
}

func newCiteChecker(root string) *citeChecker {
	return &citeChecker{root: root, pages: map[string]*pageInfo{}}
}

// page loads a markdown file by slash path; nil if there is none.
func (c *citeChecker) page(rel string) *pageInfo {
	if p, ok := c.pages[rel]; ok {
		return p
	}
	b, err := os.ReadFile(filepath.Join(c.root, filepath.FromSlash(rel)))
	if err != nil {
		c.pages[rel] = nil
		return nil
	}
	p := parsePage(string(b))
	c.pages[rel] = p
	return p
}

// parsePage collects the anchors GitHub gives a page's headings (a
// repeated heading gets -1, -2, ...), its explicit <a id> anchors, and
// its headings and bold entries as titles a citation may quote.
func parsePage(text string) *pageInfo {
	text = blankFences(text)
	p := &pageInfo{anchors: map[string]bool{}, titles: map[string]bool{}}
	seen := map[string]int{}
	for _, m := range headingRE.FindAllStringSubmatch(text, -1) {
		slug := slugify(m[1])
		if n := seen[slug]; n > 0 {
			p.anchors[fmt.Sprintf("%s-%d", slug, n)] = true
		} else {
			p.anchors[slug] = true
		}
		seen[slug]++
		p.titles[normTitle(m[1])] = true
	}
	for _, m := range boldRE.FindAllStringSubmatch(text, -1) {
		p.titles[normTitle(m[1])] = true
	}
	for _, m := range htmlAnchorR.FindAllStringSubmatch(text, -1) {
		p.anchors[m[1]] = true
	}
	return p
}

// slugify is GitHub's anchor for a heading: lower case, punctuation
// dropped, spaces turned into hyphens.
func slugify(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(h)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// normTitle makes a heading and a quote of it comparable: markup, quotes
// and a closing full stop removed, spaces collapsed, lower case.
func normTitle(s string) string {
	s = strings.NewReplacer("`", "", "*", "", "\"", "", "“", "", "”", "").Replace(s)
	s = strings.Join(strings.Fields(s), " ")
	return strings.ToLower(strings.TrimSuffix(s, "."))
}

// blankFences replaces the inside of every fenced code block with spaces,
// keeping its line breaks, so that line numbers stay right.
func blankFences(text string) string {
	return fenceRE.ReplaceAllStringFunc(text, func(f string) string {
		return strings.Map(func(r rune) rune {
			if r == '\n' {
				return r
			}
			return ' '
		}, f)
	})
}

// check returns the problems of one passage, each "file:line: ...".
func (c *citeChecker) check(p passage) []string {
	var out []string
	bad := func(off int, format string, args ...any) {
		out = append(out, fmt.Sprintf("%s:%d: ", p.file, p.line+strings.Count(p.text[:off], "\n"))+fmt.Sprintf(format, args...))
	}
	t := p.text

	// Link targets of a page are checked as links, below.
	var links [][]int
	if p.page {
		links = mdLinkRE.FindAllStringSubmatchIndex(t, -1)
	}
	inLink := func(off int) bool {
		return slices.ContainsFunc(links, func(l []int) bool { return l[2] <= off && off < l[3] })
	}

	// Pages of docs/, with their anchors or quoted titles.
	for _, m := range docsRefRE.FindAllStringSubmatchIndex(t, -1) {
		if inLink(m[0]) {
			continue
		}
		name, ref := t[m[2]:m[3]], t[m[0]:m[1]]
		pg := c.page("docs/" + name)
		switch {
		case pg == nil:
			bad(m[0], "%s: no such page", ref)
		case m[4] >= 0:
			if a := t[m[4]+1 : m[5]]; !pg.anchors[a] {
				bad(m[0], "%s: docs/%s has no anchor #%s", ref, name, a)
			}
		default:
			if q := titleRE.FindStringSubmatch(unwrap(t[m[1]:])); q != nil && !pg.titles[normTitle(q[1])] {
				bad(m[0], "%s, %q: docs/%s has no such heading or bold entry", ref, q[1], name)
			}
		}
	}

	// Markdown files named in comments must be in the repository (docs/
	// pages are checked above), or in a public repository by its path.
	if !p.page {
		for _, m := range mdTokenRE.FindAllStringSubmatchIndex(t, -1) {
			name := t[m[2]:m[3]]
			if strings.HasPrefix(name, "docs/") || hasExternalPrefix(name) {
				continue
			}
			dir := filepath.Dir(filepath.FromSlash(p.file))
			if !c.exists(name) && !c.exists(filepath.ToSlash(filepath.Join(dir, name))) {
				bad(m[2], "%s: no such file in the repository", name)
			}
		}
		for _, f := range forbiddenInComments {
			for _, loc := range f.re.FindAllStringIndex(t, -1) {
				bad(loc[0], "%q cites %s", t[loc[0]:loc[1]], f.what)
			}
		}
	}

	// Links of pages outside docs/ (TestReferencesExist checks docs/).
	if p.page && !strings.HasPrefix(p.file, "docs/") {
		for _, m := range links {
			if problem := c.checkLink(filepath.Dir(filepath.FromSlash(p.file)), p.file, t[m[2]:m[3]]); problem != "" {
				bad(m[2], "%s", problem)
			}
		}
	}

	// Papers, and the parts named after them.
	for _, m := range paperRE.FindAllStringSubmatchIndex(t, -1) {
		name, sep, year := t[m[4]:m[5]], t[m[6]:m[7]], t[m[8]:m[9]]
		cite := name + " " + year
		parts, ok := papers[cite]
		if !ok || m[3] > m[2] || m[11] > m[10] || strings.TrimSpace(sep) == sep || strings.ContainsAny(sep, "'’") {
			bad(m[0], "%q: cite a paper as R&J 2008, DSN 2011 or Medeiros 2012", t[m[0]:m[1]])
			continue
		}
		rest := unwrap(t[m[1]:])
		if sectionRE.MatchString(rest) {
			bad(m[0], "%s: name the part of the paper (for example %q), not a section number", cite, parts[0])
		} else if q := partRE.FindStringSubmatch(rest); q != nil && !slices.ContainsFunc(parts, func(s string) bool { return strings.EqualFold(s, q[1]) }) {
			bad(m[0], "%s, %q: not a part of that paper a citation may name (%s)", cite, q[1], strings.Join(parts, ", "))
		}
	}

	// ZooKeeper tickets.
	for _, loc := range jiraRE.FindAllStringIndex(t, -1) {
		if id := t[loc[0]:loc[1]]; !jiraGoodRE.MatchString(id) {
			bad(loc[0], "%q: write a ZooKeeper ticket as ZOOKEEPER- and its number", id)
		}
	}
	for _, loc := range jiraShortRE.FindAllStringIndex(t, -1) {
		bad(loc[0], "%q: write every ticket in full", t[loc[0]:loc[1]])
	}
	return out
}

// unwrap joins the start of what follows a citation across comment line
// breaks, so that a quote wrapped onto the next comment line is read
// whole: "\n// " and "\n# " become a space.
func unwrap(s string) string {
	if len(s) > 300 {
		s = s[:300]
	}
	return strings.NewReplacer("\n// ", " ", "\n//", " ", "\n# ", " ", "\n#", " ", "\n", " ").Replace(s)
}

func hasExternalPrefix(path string) bool {
	for _, p := range externalPrefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// exists reports whether a slash path names a file inside the repository.
func (c *citeChecker) exists(rel string) bool {
	rel = filepath.Clean(filepath.FromSlash(rel))
	if filepath.IsAbs(rel) || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return false
	}
	_, err := os.Stat(filepath.Join(c.root, rel))
	return err == nil
}

// checkLink resolves one markdown link target written in the page at
// from (a slash path; dir is its directory): the file must exist inside
// the repository and, for a markdown file, have the anchor. "" when it
// resolves; URLs are not followed.
func (c *citeChecker) checkLink(dir, from, target string) string {
	if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
		return ""
	}
	file, anchor, hasAnchor := strings.Cut(target, "#")
	rel := from
	if file != "" {
		rel = filepath.ToSlash(filepath.Join(dir, filepath.FromSlash(file)))
		if !c.exists(rel) {
			return fmt.Sprintf("link %q: no such file in the repository", target)
		}
	}
	if !hasAnchor || !strings.HasSuffix(rel, ".md") {
		return ""
	}
	if pg := c.page(rel); pg == nil || !pg.anchors[anchor] {
		return fmt.Sprintf("link %q: %s has no anchor #%s", target, rel, anchor)
	}
	return ""
}

// goComments returns a passage per comment group of a Go file.
func goComments(rel string, src []byte) ([]passage, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, rel, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var out []passage
	for _, g := range f.Comments {
		var lines []string
		for _, c := range g.List {
			lines = append(lines, c.Text)
		}
		out = append(out, passage{file: rel, line: fset.Position(g.Pos()).Line, text: strings.Join(lines, "\n")})
	}
	return out, nil
}

// transcriptComments returns a passage per run of "#" lines of a
// recovery transcript.
func transcriptComments(rel string, src []byte) []passage {
	var out []passage
	var cur *passage
	for i, l := range strings.Split(string(src), "\n") {
		if !strings.HasPrefix(l, "#") {
			cur = nil
			continue
		}
		if cur == nil {
			out = append(out, passage{file: rel, line: i + 1})
			cur = &out[len(out)-1]
			cur.text = l
			continue
		}
		cur.text += "\n" + l
	}
	return out
}

// repoFiles is every file of the repository the citation check reads, by
// kind: Go files (test files and testdata included), markdown files, the
// transcripts, and every .txt file (for the forbidden patterns).
type repoFiles struct {
	goFiles, mdFiles, transcripts, txtFiles []string
}

func listRepoFiles(root string) (repoFiles, error) {
	var r repoFiles
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		switch {
		case strings.HasSuffix(rel, ".go"):
			r.goFiles = append(r.goFiles, rel)
		case strings.HasSuffix(rel, ".md"):
			r.mdFiles = append(r.mdFiles, rel)
		case strings.HasSuffix(rel, ".txt"):
			r.txtFiles = append(r.txtFiles, rel)
			if strings.HasPrefix(rel, "tests/transcript/testdata/") {
				r.transcripts = append(r.transcripts, rel)
			}
		}
		return nil
	})
	return r, err
}

// citeReport is the outcome of checking the whole repository.
type citeReport struct {
	problems []string
	// what was read, so that a test can tell a check that ran from one
	// that found nothing to read
	goFiles, testFiles, comments, transcripts, pages int
	dirs                                             map[string]bool
	docsRefs, jiras, paperRefs                       int
}

// checkRepository runs every citation rule over the repository at root.
func checkRepository(root string) (citeReport, error) {
	rep := citeReport{dirs: map[string]bool{}}
	files, err := listRepoFiles(root)
	if err != nil {
		return rep, err
	}
	c := newCiteChecker(root)
	read := func(rel string) (string, error) {
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
		return string(b), err
	}
	var passages []passage
	for _, rel := range files.goFiles {
		src, err := read(rel)
		if err != nil {
			return rep, err
		}
		rep.problems = append(rep.problems, forbiddenIn(rel, src, forbiddenCitations)...)
		ps, err := goComments(rel, []byte(src))
		if err != nil {
			rep.problems = append(rep.problems, fmt.Sprintf("%s: does not parse: %v", rel, err))
			continue
		}
		rep.goFiles++
		if strings.HasSuffix(rel, "_test.go") {
			rep.testFiles++
		}
		rep.dirs[pathDir(rel)] = true
		rep.comments += len(ps)
		passages = append(passages, ps...)
	}
	for _, rel := range files.txtFiles {
		src, err := read(rel)
		if err != nil {
			return rep, err
		}
		rep.problems = append(rep.problems, forbiddenIn(rel, src, forbiddenCitations)...)
		if slices.Contains(files.transcripts, rel) {
			rep.transcripts++
			passages = append(passages, transcriptComments(rel, []byte(src))...)
		}
	}
	for _, rel := range files.mdFiles {
		src, err := read(rel)
		if err != nil {
			return rep, err
		}
		rep.problems = append(rep.problems, forbiddenIn(rel, src, forbiddenCitations)...)
		rep.pages++
		passages = append(passages, passage{file: rel, line: 1, text: blankFences(src), page: true})
	}
	for _, p := range passages {
		rep.problems = append(rep.problems, c.check(p)...)
		rep.docsRefs += len(docsRefRE.FindAllStringIndex(p.text, -1))
		rep.jiras += len(jiraRE.FindAllStringIndex(p.text, -1))
		rep.paperRefs += len(paperRE.FindAllStringIndex(p.text, -1))
	}
	return rep, nil
}

// pathDir is the directory of a slash path, "." for the root.
func pathDir(rel string) string {
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		return rel[:i]
	}
	return "."
}
