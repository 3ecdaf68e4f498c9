<?php
define( 'DB_NAME', 'shop' );
define( 'DB_USER', 'shop' );
define( 'DB_PASSWORD', '6cAYd^rHdLX' );
define( 'AUTH_KEY', '^vo%Dsc4odqS&u[Ag^H4H;bZn7%q3V#xnUV^MU7[L!D2@1Klkdv*kT2,,>=VgpA+' );
define( 'SECURE_AUTH_KEY', 'Zv2=oHsHSo?E;M:>B-+A%Y=@>%912gw7pgyEA|]Y.+E|v]/,#uFZk[+BKa?CoN.@' );
define( 'LOGGED_IN_KEY', 'tRx3rf{dR}+!Uw!;j2;Vao;{iH%~-nKyBLgdCuC)K0F#2Q0rxNo/k)}Tel|oWWNj' );
define( 'NONCE_KEY', 'd&*8~GW^tu,vs|C77/,K|XWe8m.Ykp)&fDEDXPgYaD<8QAMbSFwKD;f4S!3^Ty[Y' );
define( 'AUTH_SALT', 'I=}XVmK#v|Ix2si([></{F|q-IS++UUd<_vY5rk_s.L3)YP[^P/n~guTU>ODB+1+' );
define( 'SECURE_AUTH_SALT', 'y>)yMd%FXmlfYW:H)qN2o5uX!6DHpH,wJ6a)*zKsnerbULd<8BG:v?95xUdCd%<d' );
define( 'LOGGED_IN_SALT', 'HhEdJeNoqk]t9#C(29o8*+j_hCBBAe<)Wn!H)yW93nTXx=:a^/~1OS;J>FWP1D|g' );
define( 'NONCE_SALT', ':>-SvhOm#>cQ{p<6cO@I6U[)O3K#I6}B>Kpox?94#7Gr}c&O.a,oi~MV1RNzo![t' );
