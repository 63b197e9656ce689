"""Growth paths as pure, versioned rules: the eagle ladder, KPIs and the energy value.

Shared by the write side (aggregates check promotions, demotions and energy
decisions against these rules), the read side (the energy value of each
day, progress toward the next step) and the demo. Nothing here touches a
database, a broker or the wall clock: every function is given its inputs.
"""
