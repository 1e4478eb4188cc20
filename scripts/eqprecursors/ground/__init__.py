"""Ground-observatory study (Petrescu & Moldovan 2022, doi:10.3390/make4040046).

Decoded product and gap policy, earthquake selection, windows and labels, the diurnal
filter, the Table 2 CNN, training and the experiment planner (``plan``). Imports ``core``
and ``io``, never ``satellite``.
"""
