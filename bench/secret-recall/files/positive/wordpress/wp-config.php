<?php
define( 'DB_NAME', 'wordpress' );
define( 'DB_USER', 'wp' );
define( 'DB_PASSWORD', 'mKOmXYow9508!ksYBj' );
define( 'DB_HOST', 'localhost' );
