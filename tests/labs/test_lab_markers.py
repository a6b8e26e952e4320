#!/usr/bin/env python3
"""test_lab_markers.py - the marker rules of scripts/lab.py, on small
made-up sources: what a student tree gets for an earlier, the current and a
later lab, that solve() puts the reference back, and that every malformed
marker is refused with its file and line. Run: python3 test_lab_markers.py"""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import lab  # noqa: E402

ORDER = {"memblock": 2, "buddy": 5}
SOURCE = """int a(void)
{
\t/* LAB memblock: begin */
\treturn 1;
\t/* LAB memblock: end */
}

/* LAB buddy: begin helper */
static int helper(void) { return 2; }
/* LAB buddy: end helper */

int b(void)
{
\t/* LAB buddy: begin */
\treturn helper();
\t/* LAB buddy: end */
}
"""


class Markers(unittest.TestCase):
    def items(self, text=SOURCE):
        return lab.parse_regions("x.c", text, ORDER)

    def test_earlier_lab_is_solved_and_loses_its_markers(self):
        out = lab.render(self.items(), ORDER, 5)
        self.assertIn("\treturn 1;\n", out)
        self.assertNotIn("LAB memblock", out)

    def test_current_lab_becomes_stubs_between_kept_markers(self):
        out = lab.render(self.items(), ORDER, 5)
        self.assertIn('\t/* LAB buddy: begin */\n\tlab_not_implemented(__func__, "buddy");\n'
                      '\t/* LAB buddy: end */\n', out)
        self.assertIn("/* LAB buddy: begin helper */\n" + lab.STUB_NOTE + "\n/* LAB buddy: end helper */", out)
        self.assertNotIn("return helper();", out)
        self.assertNotIn("static int helper", out)

    def test_later_labs_are_stubs_too(self):
        out = lab.render(self.items(), ORDER, 2)
        self.assertIn('lab_not_implemented(__func__, "memblock");', out)
        self.assertIn('lab_not_implemented(__func__, "buddy");', out)
        self.assertNotIn("return 1;", out)

    def test_a_tree_rendered_with_no_lab_before_it_keeps_every_line_count_sane(self):
        # The reference rendered "after the last lab" is the source without markers.
        out = lab.render(self.items(), ORDER, 99)
        self.assertEqual(out, "".join(l for l in SOURCE.splitlines(True) if "/* LAB " not in l))

    def refused(self, text, words):
        with self.assertRaises(lab.LabError) as e:
            self.items(text)
        for w in words:
            self.assertIn(w, str(e.exception))

    def test_unknown_lab_is_named(self):
        self.refused("/* LAB nosuch: begin */\n/* LAB nosuch: end */\n", ["x.c:1", "nosuch"])

    def test_marker_sharing_its_line_is_refused(self):
        self.refused("int x; /* LAB buddy: begin */\n", ["x.c:1", "alone on its line"])

    def test_nested_region_is_refused(self):
        self.refused("/* LAB buddy: begin */\n/* LAB buddy: begin */\n", ["x.c:2", "inside the region begun at line 1"])

    def test_end_without_begin_is_refused(self):
        self.refused("/* LAB buddy: end */\n", ["x.c:1", "no region begun"])

    def test_end_of_another_kind_is_refused(self):
        self.refused("/* LAB buddy: begin helper */\n/* LAB buddy: end */\n", ["x.c:2", "begin helper"])

    def test_region_that_never_ends_is_refused(self):
        self.refused("x\n/* LAB memblock: begin */\nint y;\n", ["x.c:2", "never ends"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
