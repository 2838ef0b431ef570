"""Symbols for rich text. Combining accents (ρ̂) do not render in every sans-serif font (DejaVu Sans drops
the hat), so the hatted symbols are set in a serif face that has them."""
RHO_HAT = "<span style=\"font-family:'DejaVu Serif','Times New Roman',serif\">ρ̂</span>"
RHO_HAT_J = RHO_HAT + "<sub>j</sub>"
X_HAT = "<span style=\"font-family:'DejaVu Serif','Times New Roman',serif\">x̂</span>"
