-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "finalErrorRate" DOUBLE PRECISION;
