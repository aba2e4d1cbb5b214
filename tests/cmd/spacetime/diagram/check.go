package diagram

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Readability limits of a drawn diagram, checked by CheckSVG.
const (
	// MaxWidthPx: GitHub shows a page's pictures in a text column about
	// this wide and scales wider ones down, text included.
	MaxWidthPx = 880
	// MaxHeightPx keeps a diagram to about two screens.
	MaxHeightPx = 1500
	// MinFontPx is the smallest text size allowed.
	MinFontPx = 10
)

// svgText is one <text> of a drawn diagram and the box it takes.
type svgText struct {
	text string
	x, y float64
	size float64
	b    box
}

var rotateRE = regexp.MustCompile(`^rotate\(\s*(-?[0-9.]+)[ ,]+(-?[0-9.]+)[ ,]+(-?[0-9.]+)\s*\)$`)

// CheckSVG reads a drawn diagram back and returns what makes it hard to
// read, nil if nothing: two texts whose boxes overlap, a text that runs
// out of the picture, a picture wider than MaxWidthPx or taller than
// MaxHeightPx, a text smaller than MinFontPx. Each text's box is
// estimated from its font size and character count (textBox), on the
// safe side. It measures the SVG itself, not the layout that produced
// it, so it also catches a renderer that draws something other than what
// was placed.
func CheckSVG(svg []byte) []string {
	texts, width, height, err := readTexts(svg)
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	if width > MaxWidthPx {
		problems = append(problems, fmt.Sprintf("%v px wide, more than %d", width, MaxWidthPx))
	}
	if height > MaxHeightPx {
		problems = append(problems, fmt.Sprintf("%v px tall, more than %d", height, MaxHeightPx))
	}
	for _, t := range texts {
		if t.size < MinFontPx {
			problems = append(problems, fmt.Sprintf("text %q at (%v,%v) is %v px, less than %d", t.text, t.x, t.y, t.size, MinFontPx))
		}
		if x0, y0, x1, y1 := t.b.bounds(); x0 < 0 || y0 < 0 || x1 > width || y1 > height {
			problems = append(problems, fmt.Sprintf("text %q at (%v,%v) runs out of the %vx%v picture", t.text, t.x, t.y, width, height))
		}
	}
	for i, a := range texts {
		for _, b := range texts[i+1:] {
			if overlaps(a.b, b.b) {
				problems = append(problems, fmt.Sprintf("texts %q at (%v,%v) and %q at (%v,%v) overlap", a.text, a.x, a.y, b.text, b.x, b.y))
			}
		}
	}
	return problems
}

// readTexts parses an SVG document: its size and every <text> with its
// box. Font size and text-anchor are inherited from enclosing elements.
// A text with something this reader cannot measure (a nested element, a
// transform other than rotate(a x y), a dx or dy) is an error rather
// than a guess.
func readTexts(svg []byte) (texts []svgText, width, height float64, err error) {
	d := xml.NewDecoder(bytes.NewReader(svg))
	type inherited struct {
		size   float64
		anchor string
	}
	stack := []inherited{{size: 16, anchor: "start"}}
	var cur *svgText
	var curAnchor, curTransform string
	var content strings.Builder
	for {
		tok, terr := d.Token()
		if terr == io.EOF {
			break
		}
		if terr != nil {
			return nil, 0, 0, fmt.Errorf("not well-formed: %v", terr)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if cur != nil {
				return nil, 0, 0, fmt.Errorf("text %q holds a <%s>, which the check cannot measure", content.String(), t.Name.Local)
			}
			in := stack[len(stack)-1]
			attrs := map[string]string{}
			for _, a := range t.Attr {
				attrs[a.Name.Local] = a.Value
			}
			if v, ok := attrs["font-size"]; ok {
				if in.size, err = strconv.ParseFloat(strings.TrimSuffix(v, "px"), 64); err != nil {
					return nil, 0, 0, fmt.Errorf("font-size %q: %v", v, err)
				}
			}
			if v, ok := attrs["text-anchor"]; ok {
				in.anchor = v
			}
			stack = append(stack, in)
			switch t.Name.Local {
			case "svg":
				if width, err = strconv.ParseFloat(attrs["width"], 64); err != nil {
					return nil, 0, 0, fmt.Errorf("svg width %q: %v", attrs["width"], err)
				}
				if height, err = strconv.ParseFloat(attrs["height"], 64); err != nil {
					return nil, 0, 0, fmt.Errorf("svg height %q: %v", attrs["height"], err)
				}
			case "text":
				cur = &svgText{size: in.size}
				curAnchor, curTransform = in.anchor, attrs["transform"]
				if attrs["dx"] != "" || attrs["dy"] != "" {
					return nil, 0, 0, fmt.Errorf("a text has dx or dy, which the check does not read")
				}
				if cur.x, err = strconv.ParseFloat(attrs["x"], 64); err == nil {
					cur.y, err = strconv.ParseFloat(attrs["y"], 64)
				}
				if err != nil {
					return nil, 0, 0, fmt.Errorf("text position (%q, %q): %v", attrs["x"], attrs["y"], err)
				}
				content.Reset()
			}
		case xml.CharData:
			if cur != nil {
				content.Write(t)
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			if t.Name.Local != "text" || cur == nil {
				continue
			}
			cur.text = content.String()
			angle := 0.0
			if curTransform != "" {
				m := rotateRE.FindStringSubmatch(curTransform)
				if m == nil {
					return nil, 0, 0, fmt.Errorf("text %q: transform %q is not rotate(a x y)", cur.text, curTransform)
				}
				angle, _ = strconv.ParseFloat(m[1], 64)
				rx, _ := strconv.ParseFloat(m[2], 64)
				ry, _ := strconv.ParseFloat(m[3], 64)
				if rx != cur.x || ry != cur.y {
					return nil, 0, 0, fmt.Errorf("text %q: rotated about (%v,%v), not its own position", cur.text, rx, ry)
				}
			}
			cur.b = textBox(cur.x, cur.y, cur.size, curAnchor, angle, cur.text)
			texts = append(texts, *cur)
			cur = nil
		}
	}
	return texts, width, height, nil
}
