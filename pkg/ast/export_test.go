package ast

// ParseNodes is parseNodes, for the tests of package ast_test.
var ParseNodes = parseNodes

// SplitLines is splitLines, for the tests of package ast_test.
var SplitLines = splitLines
