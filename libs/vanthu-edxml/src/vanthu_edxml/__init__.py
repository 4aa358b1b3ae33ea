"""edXML packages (QCVN 102:2016/BTTTT): typed model, tolerant reader, canonical writer, validator, signatures."""
